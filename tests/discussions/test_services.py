"""Threads and posts: ask, answer, accept, edit history, reactions, follow, moderation,
mentions, attachments, and the interaction stream they write."""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
import pytest

from peerloop.core.models import AuditEntry, Interaction
from peerloop.core.permissions import NotFound, PermissionDenied
from peerloop.discussions import services
from peerloop.discussions.models import Attachment, Follow, Post, PostRevision, SearchDoc, Thread
from peerloop.notifications.models import Notification, OutgoingEmail
from tests.discussions.helpers import actor, community, peer, private_question, question

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (16).to_bytes(4, "big") + (16).to_bytes(4, "big") + b"\x08" * 40


def test_ask_answer_accept_records_the_stream_and_tells_the_asker(world):
    thread = question(world)
    answerer = peer(world)
    post = services.post_create(actor=actor(answerer), thread_id=thread.pk, body="Use a *ladder* of discounts.")
    services.answer_accept(actor=actor(world.leader), post_id=post.pk)

    thread.refresh_from_db()
    assert thread.accepted_post_id == post.pk
    assert thread.reply_count == 1
    assert post.html == "<p>Use a <em>ladder</em> of discounts.</p>\n"
    kinds = list(Interaction.objects.order_by("id").values_list("kind", "actor_id", "target_id"))
    assert kinds == [
        ("discussion.asked", world.leader.pk, None),
        ("discussion.answered", answerer.pk, world.leader.pk),
        ("discussion.answer_accepted", world.leader.pk, answerer.pk),
    ]
    told = Notification.objects.get(recipient=world.leader, kind="discussion.answered")
    assert told.url == f"/discussions/threads/{thread.pk}/#post-{post.pk}"
    assert Notification.objects.filter(recipient=answerer, kind="discussion.answer_accepted").count() == 1
    assert set(Follow.objects.values_list("person_id", flat=True)) == {world.leader.pk, answerer.pk}


def test_only_the_asker_or_a_host_accepts(world):
    thread = question(world)
    answerer = peer(world)
    post = services.post_create(actor=actor(answerer), thread_id=thread.pk, body="An answer")
    with pytest.raises(PermissionDenied):
        services.answer_accept(actor=actor(answerer), post_id=post.pk)
    services.answer_accept(actor=actor(world.member), post_id=post.pk)  # the community's host
    assert Thread.objects.get(pk=thread.pk).accepted_post_id == post.pk


def test_markdown_is_sanitized(world):
    body = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> **ok**"
    thread = question(world, body=body)
    html = thread.posts.get().html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text
    assert "<strong>ok</strong>" in html


def test_edit_keeps_history_and_reindexes(world):
    thread = question(world)
    opening = thread.posts.get()
    services.post_edit(actor=actor(world.leader), post_id=opening.pk, body="New body about rebates", title="Rebates?")
    rev = PostRevision.objects.get(post=opening)
    assert (rev.title, rev.body) == ("How do you price multi-year deals?", "We struggle with **discounts**.")
    doc = SearchDoc.objects.get(post=opening)
    assert (doc.title, doc.body) == ("Rebates?", "New body about rebates")
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=actor(peer(world)), post_id=opening.pk, body="vandal")


def test_lesson_endorsement_and_adoption_are_recorded(world):
    lesson = services.thread_create(
        actor=actor(world.leader),
        space_id=community(world).pk,
        kind="lesson",
        title="Annual price reviews",
        body="Review prices every year.",
        topic_ids=[world.topic.pk],
    )
    opening = lesson.posts.get()
    other = peer(world)
    assert services.reaction_toggle(actor=actor(other), post_id=opening.pk, kind="endorse") is True
    assert services.reaction_toggle(actor=actor(other), post_id=opening.pk, kind="adopted") is True
    assert services.reaction_toggle(actor=actor(other), post_id=opening.pk, kind="adopted") is False
    kinds = list(Interaction.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["discussion.lesson_posted", "discussion.lesson_endorsed", "discussion.lesson_adopted"]


def test_a_newer_lesson_on_the_same_topic_sends_the_older_to_review(world):
    older = services.thread_create(
        actor=actor(world.leader),
        space_id=community(world).pk,
        kind="lesson",
        title="Old",
        body="old",
        topic_ids=[world.topic.pk],
    )
    newer = services.thread_create(
        actor=actor(world.member),
        space_id=community(world).pk,
        kind="lesson",
        title="New",
        body="new",
        topic_ids=[world.topic.pk],
    )
    older.refresh_from_db()
    assert (older.health, older.superseded_by_id) == ("review", newer.pk)
    services.review_resolve(actor=actor(world.member), thread_id=older.pk, action="obsolete")
    assert Thread.objects.get(pk=older.pk).health == "obsolete"


def test_mentions_notify_people_who_can_read_the_thread(world):
    other = peer(world, email="ana.silva@example.org")
    thread = question(world, body="What do you think @ana.silva and @guest@example.org? `@member` is code")
    assert Notification.objects.filter(recipient=other, kind="discussion.mentioned").count() == 1
    # The guest is not in the community: no notification, nothing leaks.
    assert not Notification.objects.filter(recipient=world.guest).exists()
    assert not Notification.objects.filter(recipient=world.member, kind="discussion.mentioned").exists()
    assert Interaction.objects.filter(kind="discussion.mentioned", target=other).count() == 1
    assert thread.pk


def test_moderation_lock_hide_move_and_flag(world):
    thread = question(world)
    other = peer(world)
    services.post_create(actor=actor(other), thread_id=thread.pk, body="first")
    with pytest.raises(PermissionDenied):
        services.thread_moderate(actor=actor(other), thread_id=thread.pk, action="lock")
    services.thread_moderate(actor=actor(world.member), thread_id=thread.pk, action="lock")
    with pytest.raises(PermissionDenied, match="locked"):
        services.post_create(actor=actor(other), thread_id=thread.pk, body="more")
    services.thread_moderate(actor=actor(world.member), thread_id=thread.pk, action="hide")
    assert not SearchDoc.objects.filter(thread=thread, visible=True).exists()
    with pytest.raises(NotFound):
        services.post_flag(actor=actor(other), post_id=thread.posts.first().pk, reason="spam")
    services.thread_moderate(actor=actor(world.member), thread_id=thread.pk, action="unhide")
    flag = services.post_flag(actor=actor(other), post_id=thread.posts.first().pk, reason="  off   topic ")
    assert flag.reason == "off topic"
    assert Thread.objects.get(pk=thread.pk).flag_count == 1
    # Moving to a space the host does not moderate is refused; to one they host, done and reindexed.
    with pytest.raises(PermissionDenied):
        services.thread_move(actor=actor(world.member), thread_id=thread.pk, space_id=world.private_space.pk)
    services.thread_move(actor=actor(world.member), thread_id=thread.pk, space_id=world.guest_space.pk)
    assert set(SearchDoc.objects.filter(thread=thread).values_list("space_id", flat=True)) == {world.guest_space.pk}
    assert AuditEntry.objects.filter(action__startswith="discussions.thread_").count() == 4


def test_assignment_notifies_in_real_time(world):
    thread = question(world)
    other = peer(world)
    services.thread_assign(actor=actor(world.member), thread_id=thread.pk, person_id=other.pk)
    assert Notification.objects.get(recipient=other, kind="discussion.assigned").title.endswith("was assigned to you")
    assert OutgoingEmail.objects.filter(to=other.email).count() == 1
    with pytest.raises(ValidationError, match="member of its space"):
        services.thread_assign(actor=actor(world.member), thread_id=thread.pk, person_id=world.admin.pk)


def test_guests_and_outsiders_cannot_write_or_read_private_spaces(world):
    thread = private_question(world)
    with pytest.raises(NotFound):
        services.post_create(actor=actor(world.leader), thread_id=thread.pk, body="peek")
    with pytest.raises(NotFound):
        services.post_create(actor=actor(world.guest), thread_id=thread.pk, body="peek")
    with pytest.raises(NotFound):
        services.thread_create(
            actor=actor(world.guest), space_id=community(world).pk, kind="question", title="t", body="b"
        )
    # Employees read a community but write only as its members.
    with pytest.raises(PermissionDenied, match="members"):
        services.thread_create(
            actor=actor(world.program_owner), space_id=community(world).pk, kind="question", title="t", body="b"
        )


def test_bad_input_names_the_field_and_writes_nothing(world):
    space = community(world).pk
    cases = [
        ({"kind": "poll"}, "kind"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"topic_ids": [999999]}, "topics"),
    ]
    for change, field in cases:
        args = {"kind": "question", "title": "A title", "body": "A body", "topic_ids": [], **change}
        with pytest.raises(ValidationError) as exc:
            services.thread_create(actor=actor(world.leader), space_id=space, **args)
        assert field in exc.value.message_dict
    assert Thread.objects.count() == 0 and Post.objects.count() == 0 and SearchDoc.objects.count() == 0


def test_attachments_are_checked_by_content(world):
    thread = question(world)
    ok = services.Upload(name="../../<img src=x onerror=alert(1)>chart.exe", content=PNG)
    post = services.post_create(actor=actor(world.leader), thread_id=thread.pk, body="see chart", files=[ok])
    att = Attachment.objects.get(post=post)
    assert (att.name, att.content_type, att.is_image) == ("img src_x onerror_alert(1)_chart.png", "image/png", True)
    assert default_storage.exists(att.file.name)
    disguised = services.Upload(name="photo.png", content=b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(ValidationError, match="not accepted") as exc:
        services.post_create(actor=actor(world.leader), thread_id=thread.pk, body="x", files=[disguised])
    assert exc.value.status == 415
    html_file = services.Upload(name="notes.txt", content=b"<script>alert(1)</script>")
    with pytest.raises(ValidationError, match="not accepted"):
        services.post_create(actor=actor(world.leader), thread_id=thread.pk, body="x", files=[html_file])
    big = services.Upload(name="big.pdf", content=b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.post_create(actor=actor(world.leader), thread_id=thread.pk, body="x", files=[big])
    assert exc.value.status == 413
    huge = PNG[:16] + (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big") + PNG[24:]
    with pytest.raises(ValidationError, match="20000 x 20000") as exc:
        services.post_create(
            actor=actor(world.leader),
            thread_id=thread.pk,
            body="x",
            files=[services.Upload(name="huge.png", content=huge)],
        )
    assert Post.objects.filter(thread=thread).count() == 2


def test_deleting_a_space_or_person_leaves_nothing_dangling(world):
    from peerloop.discussions import search
    from peerloop.spaces.models import Space

    talk = services.thread_create(
        actor=actor(world.leader), space_id=community(world).pk, kind="discussion", title="Open talk", body="hello"
    )
    leaver = peer(world)
    reply = services.post_create(actor=actor(leaver), thread_id=talk.pk, body="bye")
    leaver_id = leaver.pk
    leaver.delete()  # no interaction names them: a discussion reply records none
    reply.refresh_from_db()
    assert reply.author_id is None and Post.objects.filter(thread=talk).count() == 2
    assert SearchDoc.objects.get(post=reply).author_id == leaver_id  # a plain id: filters only
    services.thread_delete_for_space(space_id=community(world).pk)
    Space.objects.filter(pk=community(world).pk).delete()
    assert Thread.objects.count() == 0 and Post.objects.count() == 0 and SearchDoc.objects.count() == 0
    assert search.docs_purge_orphans() == 0


def test_a_space_deleted_directly_takes_its_threads_and_search_rows(world):
    from django.db import connection

    from peerloop.discussions import permissions, search
    from peerloop.spaces.models import Space

    thread = question(world, title="Cascade quokka")
    space_id = community(world).pk
    Space.objects.filter(pk=space_id).delete()
    assert not Thread.objects.filter(pk=thread.pk).exists() and SearchDoc.objects.count() == 0
    found = search.search(text="quokka", filters=search.Filters(space_ids=frozenset({space_id})))
    assert found == []
    assert search.docs_purge_orphans() == (1 if connection.vendor == "sqlite" else 0)
    assert permissions.readable_space_ids(actor(world.leader)) == {permissions.EVERYONE_INTERNAL}
