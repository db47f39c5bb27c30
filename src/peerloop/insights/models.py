"""Insights' data: snapshots of the analytics, computed from the interaction stream."""

from django.db import models


class Snapshot(models.Model):
    """The analytics of one window of the interaction stream, as of one refresh.

    ``data`` holds aggregates only (shares, matrices of units and regions of at least the
    privacy floor, trends, counts); person-level figures (``brokers``) are kept apart so
    that only the views that may show them read them.
    """

    computed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    people = models.PositiveIntegerField(default=0)
    interactions = models.PositiveBigIntegerField(default=0)
    last_interaction_id = models.BigIntegerField(default=0, help_text="The newest interaction counted")
    seconds = models.FloatField(default=0.0, help_text="How long the refresh took")
    data = models.JSONField(default=dict)
    brokers = models.JSONField(default=list, help_text="Person ids and betweenness of the top brokers")
    aggregates = models.BinaryField(
        null=True, editable=False, help_text="The rollup of the window (newest snapshot only)"
    )

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"Insights of {self.window_start:%Y-%m-%d} to {self.window_end:%Y-%m-%d}"


class PersonViewGrant(models.Model):
    """An admin who turned on person-level insights for themselves (each look is audited)."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="+")
    enabled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Person-level insights for user {self.user_id}"
