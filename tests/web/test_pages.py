"""The home page, the admin hub and the audit log."""

from django.urls import reverse

from peerloop.core.roles import SYSTEM
from peerloop.core.services import audit_record, job_create, job_start
from peerloop.spaces import services as space_services
from tests.factories import ProgramFactory


def text(response) -> str:
    return response.content.decode()


def test_home_shows_what_needs_my_attention(client_as, world):
    space_services.membership_add(actor=SYSTEM, space_id=world.private_space.pk, person_id=world.program_owner.pk)
    job = job_create(
        kind="people.import", label="Import of the Lisbon office", started_by_id=world.program_owner.user_id
    )
    job_start(job_id=job.pk, total=10)
    job_create(kind="people.import", label="Someone else's import", started_by_id=world.admin.user_id)
    page = text(client_as("program_owner").get(reverse("web:home")))
    assert f"Hello, {world.program_owner.name}" in page
    assert "Sales leads circle" in page  # my space
    assert "Regional leaders learn" in page and "you own it" in page  # my program
    assert "Import of the Lisbon office" in page and "Someone else" not in page  # my running job
    assert "You joined" in page  # my activity from the interaction stream


def test_home_empty_states(client_as, world):
    page = text(client_as("leader").get(reverse("web:home")))
    assert "You are not in any space yet." in page
    assert "Regional leaders learn" in page and "you sponsor it" in page
    assert "Nothing yet." in page
    guest = text(client_as("guest").get(reverse("web:home")))
    assert "Customer council" in guest
    assert "My programs" not in guest
    assert "Sales leads circle" not in guest


def test_home_needs_a_login(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_admin_hub(client_as, world):
    page = text(client_as("admin").get(reverse("web:admin")))
    for url in (
        reverse("people:import"),
        reverse("people:export"),
        reverse("vocabulary:index"),
        reverse("programs:list"),
        reverse("programs:metrics"),
        reverse("web:audit"),
        "/django-admin/",
    ):
        assert f'href="{url}"' in page
    assert "SQLite" in page
    assert "Task queue" in page
    assert "<dt>Spaces</dt><dd>2</dd>" in page
    assert "<dt>Accounts</dt><dd>5</dd>" in page
    assert client_as("member").get(reverse("web:admin")).status_code == 403
    assert client_as("guest").get(reverse("web:admin")).status_code == 404


def test_audit_log_filters_and_pages(client_as, world, django_assert_max_num_queries):
    for n in range(60):
        audit_record(actor=SYSTEM, action="space.update", object_type="space", object_repr=f"Space number {n}")
    audit_record(
        actor=SYSTEM, action="user.role", object_repr="role of somebody", changes={"role": ["member", "admin"]}
    )
    client = client_as("admin")
    with django_assert_max_num_queries(10):
        first = text(client.get(reverse("web:audit")))
    assert "role of somebody" in first and "Page 1 of 2" in first and "61 entries" in first
    second = text(client.get(reverse("web:audit"), {"page": 2}))
    assert "Space number 0<" in second and "role of somebody" not in second
    by_action = text(client.get(reverse("web:audit"), {"action": "user.role"}))
    assert "role of somebody" in by_action and "Space number" not in by_action and "1 entry" in by_action
    by_actor = text(client.get(reverse("web:audit"), {"actor": "nobody-like-this"}))
    assert "No entry matches these filters." in by_actor
    by_system = text(client.get(reverse("web:audit"), {"actor": "syst", "action": "user.role"}))
    assert "role of somebody" in by_system


def test_programs_of_others_are_not_mine(client_as, world):
    ProgramFactory(name="Someone else's program")
    page = text(client_as("program_owner").get(reverse("web:home")))
    assert "Someone else&#x27;s program" not in page


def test_home_query_count_is_flat(client_as, world, django_assert_max_num_queries):
    from peerloop.core.services import interaction_record
    from tests.factories import SpaceFactory

    for _ in range(10):
        space = SpaceFactory()
        space_services.membership_add(actor=SYSTEM, space_id=space.pk, person_id=world.member.pk)
        interaction_record(kind="message.sent", actor_id=world.member.pk, space_id=space.pk)
    client = client_as("member")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("web:home")).status_code == 200
