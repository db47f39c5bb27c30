"""Reads of insights."""

from peerloop.insights.models import PersonViewGrant, Snapshot


def snapshot_latest() -> Snapshot | None:
    return Snapshot.objects.order_by("-computed_at", "-id").first()


def person_views_enabled(*, user_id: int | None) -> bool:
    return user_id is not None and PersonViewGrant.objects.filter(user_id=user_id).exists()
