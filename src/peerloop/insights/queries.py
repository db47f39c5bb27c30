"""Reads of insights."""

from peerloop.insights.models import PersonViewGrant, Snapshot


def snapshot_latest() -> Snapshot | None:
    """The newest snapshot, without its aggregates (only refreshes read those)."""
    return Snapshot.objects.defer("aggregates").order_by("-computed_at", "-id").first()


def snapshot_with_rollup() -> Snapshot | None:
    """The newest snapshot that kept its aggregates, for an incremental refresh to add to."""
    return Snapshot.objects.exclude(aggregates=None).order_by("-computed_at", "-id").first()


def person_views_enabled(*, user_id: int | None) -> bool:
    return user_id is not None and PersonViewGrant.objects.filter(user_id=user_id).exists()
