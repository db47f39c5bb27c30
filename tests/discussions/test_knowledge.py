"""Playbooks (proposals, endorsements, merges, conflicts, history), content health,
peer sessions (agenda, .ics invitations over real SMTP, attendance, notes), the digest,
the input timeline and who to ask."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar
import pytest

from peerloop.core.models import Interaction
from peerloop.core.permissions import PermissionDenied
from peerloop.discussions import permissions, queries, services
from peerloop.discussions.models import EntryVersion, PeerSession, Proposal, Thread
from peerloop.notifications.models import Notification, OutgoingEmail
from tests.discussions.helpers import actor, community, peer, private_question, question
from tests.notifications.helpers import parts, smtp_inbox  # noqa: F401 - fixture


def playbook(world):
    return services.playbook_create(actor=actor(world.member), space_id=community(world).pk, title="Pricing rules")


def test_propose_endorse_merge_keeps_every_version(world):
    pb = playbook(world)
    first = services.proposal_create(
        actor=actor(world.leader), playbook_id=pb.pk, title="Trade, never give", body="Every discount is traded."
    )
    services.proposal_vote(actor=actor(peer(world)), proposal_id=first.pk, kind="endorse")
    entry = services.proposal_merge(actor=actor(world.member), proposal_id=first.pk)
    change = services.proposal_create(
        actor=actor(world.leader),
        playbook_id=pb.pk,
        entry_id=entry.pk,
        title="Trade, never give",
        body="Every discount is traded for volume or term.",
    )
    assert change.base_version == 1
    entry = services.proposal_merge(actor=actor(world.member), proposal_id=change.pk)
    assert entry.version == 2
    versions = list(EntryVersion.objects.filter(entry=entry).order_by("number").values_list("number", "body"))
    assert versions == [(1, "Every discount is traded."), (2, "Every discount is traded for volume or term.")]
    merged = Interaction.objects.filter(kind="discussion.playbook_merged")
    assert list(merged.values_list("actor_id", "target_id")) == [(world.member.pk, world.leader.pk)] * 2
    assert Notification.objects.filter(recipient=world.leader, kind="discussion.playbook_merged").count() == 2
    diff = queries.diff_html("# a\n<script>x</script>", "# a\nnew")
    assert "&lt;script&gt;" in diff and "<script>" not in diff


def test_a_stale_proposal_is_a_conflict_never_a_lost_edit(world):
    pb = playbook(world)
    entry = services.proposal_merge(
        actor=actor(world.member),
        proposal_id=services.proposal_create(actor=actor(world.member), playbook_id=pb.pk, title="T", body="v1").pk,
    )
    mine = services.proposal_create(
        actor=actor(world.leader), playbook_id=pb.pk, entry_id=entry.pk, title="T", body="leader's text"
    )
    theirs = services.proposal_create(
        actor=actor(world.member), playbook_id=pb.pk, entry_id=entry.pk, title="T", body="host's text"
    )
    services.proposal_merge(actor=actor(world.member), proposal_id=theirs.pk)
    with pytest.raises(services.Conflict, match="changed since this proposal was written"):
        services.proposal_merge(actor=actor(world.member), proposal_id=mine.pk)
    mine.refresh_from_db()
    entry.refresh_from_db()
    assert (mine.status, mine.body) == (Proposal.Status.CONFLICT, "leader's text")
    assert (entry.version, entry.body) == (2, "host's text")
    assert "leader&#x27;s text" in queries.conflict_diff(
        proposal=Proposal.objects.select_related("entry").get(pk=mine.pk)
    )


def test_only_hosts_merge_and_objections_need_a_reason(world):
    pb = playbook(world)
    p = services.proposal_create(actor=actor(world.leader), playbook_id=pb.pk, title="T", body="b")
    with pytest.raises(PermissionDenied):
        services.proposal_merge(actor=actor(world.leader), proposal_id=p.pk)
    with pytest.raises(ValidationError, match="why you object"):
        services.proposal_vote(actor=actor(peer(world)), proposal_id=p.pk, kind="object")
    with pytest.raises(PermissionDenied):
        services.proposal_create(actor=actor(world.program_owner), playbook_id=pb.pk, title="T", body="b")


def test_entries_not_revalidated_in_time_are_flagged(world):
    pb = playbook(world)
    entry = services.proposal_merge(
        actor=actor(world.member),
        proposal_id=services.proposal_create(actor=actor(world.member), playbook_id=pb.pk, title="T", body="b").pk,
    )
    type(entry).objects.filter(pk=entry.pk).update(validated_at=timezone.now() - timedelta(days=181))
    assert [e.needs_review for e in queries.entries_for(playbook=pb)] == [True]
    services.entry_revalidate(actor=actor(world.member), entry_id=entry.pk)
    assert [e.needs_review for e in queries.entries_for(playbook=pb)] == [False]


def test_review_scan_sends_old_lessons_and_answers_to_the_queue(world):
    lesson = services.thread_create(
        actor=actor(world.leader), space_id=community(world).pk, kind="lesson", title="Old lesson", body="b"
    )
    q = question(world)
    fresh = question(world, title="Fresh")
    a = services.post_create(actor=actor(peer(world)), thread_id=q.pk, body="answer")
    services.answer_accept(actor=actor(world.leader), post_id=a.pk)
    Thread.objects.filter(pk__in=[lesson.pk, q.pk, fresh.pk]).update(created_at=timezone.now() - timedelta(days=400))
    assert services.review_scan() == 2  # the unanswered question is not knowledge yet
    assert services.review_scan() == 0
    queue = queries.review_queue(space_ids=[community(world).pk])
    assert {t.pk for t in queue} == {lesson.pk, q.pk}
    services.review_resolve(actor=actor(world.member), thread_id=q.pk, action="verify")
    assert {t.pk for t in queries.review_queue(space_ids=[community(world).pk])} == {lesson.pk}


def test_session_agenda_invites_attendance_and_notes(world, smtp_inbox, django_capture_on_commit_callbacks):  # noqa: F811
    q = question(world, title="Open question on bundles")
    services.thread_create(
        actor=actor(world.leader), space_id=community(world).pk, kind="lesson", title="Fresh lesson", body="b"
    )
    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_create(
            actor=actor(world.member),
            space_id=community(world).pk,
            title="Pricing circle",
            starts_at=timezone.now() + timedelta(days=2),
        )
    assert [(i["kind"], i["title"]) for i in session.agenda] == [
        ("question", "Open question on bundles"),
        ("lesson", "Fresh lesson"),
    ]
    assert q.pk == session.agenda[0]["thread_id"]
    received = {to[0]: msg for _, to, msg in smtp_inbox.messages}
    assert set(received) == {world.member.email, world.leader.email}
    ics = Calendar.from_ical(parts(received[world.leader.email])["text/calendar"])
    event = next(c for c in ics.walk() if c.name == "VEVENT")
    assert str(event["SUMMARY"]) == "Pricing circle"
    assert "Open question on bundles" in str(event["DESCRIPTION"])
    services.session_attend(actor=actor(world.leader), session_id=session.pk)
    services.session_attend(actor=actor(world.leader), session_id=session.pk)
    assert Interaction.objects.filter(kind="discussion.session_attended", actor=world.leader).count() == 1
    services.session_notes(
        actor=actor(world.member), session_id=session.pk, notes="We agreed on ladders.", as_lesson=True
    )
    session.refresh_from_db()
    assert session.lesson.kind == "lesson" and session.lesson.title == "Lessons from Pricing circle"


def test_digest_is_one_email_per_period_with_only_what_the_person_may_read(world):
    thread = question(world)
    follower = world.leader  # the asker follows their question
    services.digest_setting_save(actor=actor(follower), frequency="daily", topic_ids=[world.topic.pk])
    services.post_create(actor=actor(peer(world)), thread_id=thread.pk, body="A reply")
    services.thread_create(
        actor=actor(world.member),
        space_id=community(world).pk,
        kind="lesson",
        title="Ladders work",
        body="b",
        topic_ids=[world.topic.pk],
    )
    private_question(world)
    later = timezone.now() + timedelta(hours=23)
    assert services.digest_send(person_id=follower.pk, now=later) is True
    assert services.digest_send(person_id=follower.pk, now=later) is False  # not due again
    email = OutgoingEmail.objects.get(to=follower.email, subject__startswith="Peerloop digest")
    assert "Ladders work" in email.text and thread.title in email.text
    assert "zebra" not in email.text.lower()
    assert follower.pk in services.digest_due_people()


def test_timeline_says_what_happened_to_my_input(world):
    thread = question(world)
    a = services.post_create(actor=actor(peer(world)), thread_id=thread.pk, body="answer")
    services.answer_accept(actor=actor(world.leader), post_id=a.pk)
    pb = playbook(world)
    services.proposal_create(actor=actor(world.leader), playbook_id=pb.pk, title="Rule", body="b")
    items = queries.input_timeline(
        person_id=world.leader.pk, space_ids=permissions.readable_space_ids(actor(world.leader))
    )
    assert {(i["what"], i["status"]) for i in items} == {("Question", "answer accepted"), ("Playbook proposal", "open")}


def test_who_to_ask_prefers_demonstrated_knowledge_and_gives_reasons(world):
    old = question(world, title="Earlier pricing question")
    expert = peer(world, email="expert@example.org", level=7)
    casual = peer(world, email="casual@example.org", level=4)
    a = services.post_create(actor=actor(expert), thread_id=old.pk, body="Use ladders")
    services.post_create(actor=actor(casual), thread_id=old.pk, body="Not sure")
    services.answer_accept(actor=actor(world.leader), post_id=a.pk)
    new = question(world, title="New pricing question")
    found = queries.who_to_ask(
        thread=new, asker_id=world.leader.pk, space_ids=permissions.readable_space_ids(actor(world.leader))
    )
    assert [s.person_id for s in found] == [expert.pk, casual.pk]
    assert found[0].reasons[:2] == ["accepted answers on Pricing", "1 answer on Pricing"]
    assert "a peer at your level in another unit" in found[0].reasons  # the leader and the expert are level 7
    assert services.expert_invite(actor=actor(world.leader), thread_id=new.pk, person_id=casual.pk) is True
    assert Notification.objects.filter(recipient=casual, kind="discussion.invited").count() == 1
    with pytest.raises(ValidationError, match="cannot read this space"):
        services.expert_invite(actor=actor(world.leader), thread_id=new.pk, person_id=world.guest.pk)


def test_the_agenda_counts_feedback_routed_in_the_space_from_the_stream(world):
    from peerloop.core.services import interaction_record

    space = community(world)
    interaction_record(
        kind="feedback.routed", actor_id=world.leader.pk, space_id=space.pk, object_type="feedback_item", object_id=1
    )
    interaction_record(
        kind="feedback.routed",
        actor_id=world.leader.pk,
        space_id=world.guest_space.pk,
        object_type="feedback_item",
        object_id=2,
    )
    agenda = services.session_agenda(space_id=space.pk)
    assert agenda == [{"kind": "feedback", "thread_id": None, "title": "1 piece of customer feedback routed here"}]


def test_guests_search_only_their_spaces_through_the_api(world, client_as):
    private_question(world)
    services.thread_create(
        actor=actor(world.guest),
        space_id=world.guest_space.pk,
        kind="question",
        title="Zebra onboarding for customers",
        body="zebra",
    )
    found = client_as("guest").get("/api/v1/discussions/search", {"q": "zebra"}).json()
    assert [h["space_id"] for h in found] == [world.guest_space.pk]
    assert "margin" not in str(found).lower()


def test_a_recurring_session_plans_its_next_occurrence_once_it_has_ended(
    world,
    smtp_inbox,  # noqa: F811
    django_capture_on_commit_callbacks,
    client_as,
):
    start = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.session_create(
            actor=actor(world.member), space_id=community(world).pk, title="Pricing circle", starts_at=start,
            repeat_days=7,
        )  # fmt: skip
        once = services.session_create(
            actor=actor(world.member), space_id=community(world).pk, title="One-off", starts_at=start
        )
    assert services.sessions_repeat(now=start + timedelta(minutes=30)) == []  # not ended yet
    question(world, title="Asked after the first session")
    ended = start + timedelta(days=15)  # two weeks missed: the next is the first date still ahead
    with django_capture_on_commit_callbacks(execute=True):
        [second] = services.sessions_repeat(now=ended)
    assert second.previous_id == first.pk and second.starts_at == start + timedelta(days=21)
    assert (second.title, second.repeat_days, second.duration_minutes) == ("Pricing circle", 7, 45)
    assert ("question", "Asked after the first session") in [(i["kind"], i["title"]) for i in second.agenda]
    invites = [
        next(c for c in Calendar.from_ical(parts(msg)["text/calendar"]).walk() if c.name == "VEVENT")
        for _, to, msg in smtp_inbox.messages
        if to[0] == world.leader.email
    ]
    pricing = sorted(e["DTSTART"].dt for e in invites if str(e["SUMMARY"]) == "Pricing circle")
    assert pricing == [first.starts_at, second.starts_at]  # the first session's invitation and the second's
    assert services.sessions_repeat(now=ended) == []  # once only
    assert not PeerSession.objects.filter(previous=once).exists()  # a one-off never repeats
    page = client_as("member").get(f"/discussions/sessions/{first.pk}/").content.decode()
    assert f"/discussions/sessions/{second.pk}/" in page and "next:" in page


def test_a_session_followed_already_plans_no_other(world):
    start = timezone.now() - timedelta(days=1)
    first = services.session_create(
        actor=actor(world.member), space_id=community(world).pk, title="Weekly", starts_at=start, repeat_days=7
    )
    PeerSession.objects.create(space=first.space, title="Weekly", starts_at=start + timedelta(days=7), previous=first)
    assert services.sessions_repeat() == []
    with pytest.raises(IntegrityError), transaction.atomic():  # the link is unique: a racing plan is refused
        PeerSession.objects.create(space=first.space, title="Weekly", starts_at=start, previous=first)
    assert PeerSession.objects.filter(title="Weekly").count() == 2
