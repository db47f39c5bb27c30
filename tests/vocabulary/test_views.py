from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.vocabulary import services
from peerloop.vocabulary.models import Segment, Topic


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_index_shows_the_tree_with_synonyms_and_edit_links_only_to_admins(world, client_as):
    child = services.topic_create(actor=SYSTEM, name="Discounts", parent_id=world.topic.pk, synonyms=["rebates"])
    services.segment_create(actor=SYSTEM, name="Small business")
    page = client_as("member").get(reverse("vocabulary:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Discounts" in html and "rebates" in html and "Small business" in html
    assert reverse("vocabulary:topic_edit", args=[child.pk]) not in html
    admin_html = client_as("admin").get(reverse("vocabulary:index")).content.decode()
    assert reverse("vocabulary:topic_edit", args=[child.pk]) in admin_html
    assert reverse("vocabulary:import") in admin_html


def test_index_query_count_does_not_grow_with_topics(world, client_as, django_assert_max_num_queries):
    client = client_as("admin")
    parent = world.topic
    for n in range(30):
        parent = services.topic_create(actor=SYSTEM, name=f"Topic {n}", parent_id=parent.pk if n % 3 else None)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("vocabulary:index")).status_code == 200


def test_empty_vocabulary_invites_admins_to_start(db, world, client_as):
    Topic.objects.all().delete()
    html = client_as("admin").get(reverse("vocabulary:index")).content.decode()
    assert "No topics yet" in html and "Create the first topic" in html


def test_topic_create_form_shows_service_errors_on_fields(world, client_as):
    client = client_as("admin")
    response = client.post(reverse("vocabulary:topic_create"), {"name": "Discounts", "synonyms": "pricing; rebates"})
    assert response.status_code == 400
    assert "&#x27;pricing&#x27; is already the name of the topic &#x27;Pricing&#x27;." in response.content.decode()
    assert not Topic.objects.filter(name="Discounts").exists()
    response = client.post(reverse("vocabulary:topic_create"), {"name": "Discounts", "synonyms": "rebates\nmarkdowns"})
    assert response.status_code == 302
    assert Topic.objects.get(name="Discounts").synonyms == ["rebates", "markdowns"]


def test_topic_edit_refuses_a_cycle_and_delete_refuses_a_parent(world, client_as):
    client = client_as("admin")
    child = services.topic_create(actor=SYSTEM, name="Discounts", parent_id=world.topic.pk)
    response = client.post(
        reverse("vocabulary:topic_edit", args=[world.topic.pk]),
        {"name": "Pricing", "slug": "pricing", "parent": child.pk},
    )
    # The form offers no descendant as parent, so the choice itself is refused.
    assert response.status_code == 400
    world.topic.refresh_from_db()
    assert world.topic.parent_id is None
    response = client.post(reverse("vocabulary:topic_delete", args=[world.topic.pk]), follow=True)
    assert "Pricing has 1 subtopic (Discounts). Move or delete them first." in response.content.decode()
    assert Topic.objects.filter(pk=world.topic.pk).exists()


def test_segment_edit_and_delete(world, client_as):
    client = client_as("admin")
    segment = services.segment_create(actor=SYSTEM, name="SMB")
    response = client.post(
        reverse("vocabulary:segment_edit", args=[segment.pk]),
        {"name": "Small business", "slug": "smb", "description": ""},
    )
    assert response.status_code == 302
    assert Segment.objects.get().name == "Small business"
    client.post(reverse("vocabulary:segment_delete", args=[segment.pk]))
    assert not Segment.objects.exists()


def test_import_preview_then_apply(world, client_as):
    client = client_as("admin")
    upload = SimpleUploadedFile("v.csv", b"kind,name,parent\ntopic,Discounts,pricing\nsegment,SMB,\n")
    response = client.post(reverse("vocabulary:import"), {"action": "preview", "file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ready to import v.csv" in html
    assert not Topic.objects.filter(name="Discounts").exists()
    token = response.context["token"]
    response = client.post(reverse("vocabulary:import"), {"action": "apply", "token": token})
    assert response.status_code == 302
    assert Topic.objects.get(name="Discounts").parent == world.topic
    assert Segment.objects.get().name == "SMB"
    assert AuditEntry.objects.filter(action="vocabulary.import").count() == 1
    # The token is spent: applying again is refused instead of importing twice.
    response = client.post(reverse("vocabulary:import"), {"action": "apply", "token": token}, follow=True)
    assert "That preview has expired" in response.content.decode()


def test_import_preview_lists_errors_by_line_and_column(world, client_as):
    upload = SimpleUploadedFile("v.csv", b"kind,name\nplanet,Mars\ntopic,\n")
    response = client_as("admin").post(reverse("vocabulary:import"), {"action": "preview", "file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 problems in v.csv" in html
    assert "<td>2</td><td>kind</td><td>Unknown kind &#x27;planet&#x27;; use topic, segment or value.</td>" in html
    assert "<td>3</td><td>name</td><td>The name is required.</td>" in html


def test_apply_with_a_token_of_another_session_is_refused(world, client_as):
    admin = client_as("admin")
    upload = SimpleUploadedFile("v.csv", b"kind,name\ntopic,Discounts\n")
    token = admin.post(reverse("vocabulary:import"), {"action": "preview", "file": upload}).context["token"]
    other = client_as("admin")
    other.post(reverse("vocabulary:import"), {"action": "apply", "token": token})
    assert not Topic.objects.filter(name="Discounts").exists()


def test_previews_nobody_applied_are_swept_after_a_day(world, client_as, settings):
    import os
    from pathlib import Path
    import time

    folder = Path(settings.MEDIA_ROOT) / "imports" / "vocabulary"
    folder.mkdir(parents=True)
    stale, fresh = folder / "stale.csv", folder / "fresh.csv"
    stale.write_text("x")
    fresh.write_text("x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    upload = SimpleUploadedFile("v.csv", b"kind,name\ntopic,Discounts\n")
    client_as("admin").post(reverse("vocabulary:import"), {"action": "preview", "file": upload})
    assert not stale.exists() and fresh.exists()
    assert len(list(folder.iterdir())) == 2  # the fresh one and the new preview
