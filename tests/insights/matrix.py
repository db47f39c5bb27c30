"""Routes of insights: leaders, program owners and admins read the aggregates and refresh them;
person-level views and pseudonymized exports are for admins only; members and guests reach nothing."""

from django.urls import reverse

from peerloop.core.roles import SYSTEM
from peerloop.insights import services
from tests.matrix import ADMIN, Case

READERS = frozenset({"leader", "program_owner", "admin"})


def refreshed(world):
    """A snapshot of the world's (empty) stream, once."""
    if getattr(world, "_insights", None) is None:
        world._insights = services.snapshot_refresh(actor=SYSTEM)
    return world._insights


CASES = [
    Case(route="insights:dashboard", url=lambda w: (refreshed(w), reverse("insights:dashboard"))[1], allowed=READERS),
    Case(
        route="insights:refresh",
        method="POST",
        url=lambda w: reverse("insights:refresh"),
        data=lambda w: {},
        allowed=READERS,
        ok=(302,),
    ),
    Case(
        route="insights:chart_csv",
        url=lambda w: (refreshed(w), reverse("insights:chart_csv", args=["flows"]))[1],
        allowed=READERS,
        ok=(200,),
    ),
    Case(
        route="insights:program",
        url=lambda w: reverse("insights:program", args=[w.program.pk]),
        allowed=READERS,
        ok=(200,),
    ),
    Case(
        route="insights:program_export",
        url=lambda w: reverse("insights:program_export", args=[w.program.pk]),
        allowed=READERS,
        ok=(200,),
    ),
    Case(
        route="insights:program_pdf",
        url=lambda w: reverse("insights:program_pdf", args=[w.program.pk]),
        allowed=READERS,
        ok=(200,),
    ),
    Case(route="insights:people", url=lambda w: reverse("insights:people"), allowed=ADMIN, ok=(200,)),
    Case(
        route="insights:people_toggle",
        method="POST",
        url=lambda w: reverse("insights:people_toggle"),
        data=lambda w: {"enabled": "on"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="GET /api/v1/insights/snapshot",
        url=lambda w: (refreshed(w), "/api/v1/insights/snapshot")[1],
        allowed=READERS,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/insights/programs/{program_id}/report",
        url=lambda w: f"/api/v1/insights/programs/{w.program.pk}/report",
        allowed=READERS,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/insights/refresh",
        method="POST",
        url=lambda w: "/api/v1/insights/refresh",
        data=lambda w: {},
        allowed=READERS,
        ok=(202,),
    ),
    Case(route="insights:exports", url=lambda w: reverse("insights:exports"), allowed=ADMIN, ok=(200,)),
    Case(
        route="insights:exports",
        method="POST",
        url=lambda w: reverse("insights:exports"),
        data=lambda w: {"kind": "pairs", "key": "matrix-study", "months": "12"},
        allowed=ADMIN,
        ok=(200,),
        note="the download",
    ),
    Case(
        route="GET /api/v1/insights/exports/{kind}",
        url=lambda w: "/api/v1/insights/exports/interactions?key=matrix-study",
        allowed=ADMIN,
        ok=(200,),
    ),
]
