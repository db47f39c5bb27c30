"""A small organization touching every kind of data a backup must carry: foreign
keys to content types and permissions, many-to-many links, self references, JSON,
UUID keys, timestamps with microseconds, non-ASCII text and an uploaded file.

Used in-process by the backup tests and, as ``python -m tests.core.backup_seed``,
to fill a database of another process.
"""

from datetime import UTC, date, datetime


def seed() -> None:
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from peerloop.accounts.services import api_token_create
    from peerloop.core.roles import SYSTEM, SiteRole
    from peerloop.core.services import audit_record, interaction_record, job_create, job_finish
    from peerloop.people.models import Person
    from peerloop.programs.models import Kpi, MetricValue
    from peerloop.spaces.models import Membership
    from peerloop.vocabulary.models import TaggedItem
    from tests.factories import (
        MembershipFactory,
        MetricFactory,
        ProgramFactory,
        SpaceFactory,
        TopicFactory,
        UnitFactory,
        account,
    )

    parent = UnitFactory(name="Sales", code="sales")
    unit = UnitFactory(name="Sales Asia", code="sales-asia", parent=parent)
    admin = account(SiteRole.ADMIN, email="admin@example.org", name="Ada Admin", unit=unit)
    leader = account(SiteRole.LEADER, email="leader@example.org", name="Łukasz Żółć", unit=unit)
    member = account(SiteRole.MEMBER, email="member@example.org", name="Sôn Nguyễn", unit=unit, manager=leader)
    guest = account(SiteRole.GUEST, email="guest@example.org", name="Gia Guest", level=None, unit=None, region=None)
    Person.objects.filter(pk=leader.pk).update(manager=admin, skills=["pricing", "négociation"])

    pricing = TopicFactory(name="Pricing", slug="pricing")
    churn = TopicFactory(name="Churn", slug="churn", parent=pricing)
    member.topics.add(pricing, churn)
    space = SpaceFactory(name="Sales leads circle", slug="sales-leads", kind="circle")
    space.topics.add(churn)
    MembershipFactory(space=space, person=member, role=Membership.Role.HOST)
    MembershipFactory(space=space, person=guest)
    TaggedItem.objects.create(
        topic=pricing, content_type=ContentType.objects.get_for_model(Person), object_id=member.pk
    )

    metric = MetricFactory(code="nps", name="Net promoter score")
    program = ProgramFactory(name="Regional leaders learn", slug="regional", owner=admin, sponsor=leader)
    Kpi.objects.create(program=program, metric=metric, target=42.5, baseline=30.25, target_date=date(2025, 12, 31))
    MetricValue.objects.create(
        metric=metric, unit=unit, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31), value=37.125
    )

    group = Group.objects.create(name="Auditors")
    group.permissions.add(Permission.objects.get(codename="view_auditentry"))
    admin.user.groups.add(group)
    leader.user.user_permissions.add(Permission.objects.get(codename="view_person"))

    api_token_create(actor=SYSTEM, user=admin.user, name="nightly export", scope="read")
    interaction_record(
        kind="space.post",
        actor_id=member.pk,
        target_ids=[leader.pk, guest.pk],
        space_id=space.pk,
        weight=0.75,
        occurred_at=datetime(2025, 2, 3, 4, 5, 6, 789012, tzinfo=UTC),
    )
    audit_record(actor=SYSTEM, action="user.role", object_type="user", object_id=member.user_id, changes={"to": "ü"})
    job = job_create(kind="people.import", label="Import", started_by_id=admin.user_id, params={"rows": [1, 2]})
    job_finish(job_id=job.pk, result={"created": 2, "nested": {"b": 1, "a": [None, True]}})
    default_storage.save("imports/people ü.csv", ContentFile(b"email,name\nana@example.org,Ana\n"))
    default_storage.save("avatars/2025/member.png", ContentFile(bytes(range(256))))


if __name__ == "__main__":
    import django

    django.setup()
    seed()
