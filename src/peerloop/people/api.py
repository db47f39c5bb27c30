"""REST endpoints of this module (mounted under /api/v1 by peerloop.api)."""

from ninja import Router

router = Router(tags=["people"])
