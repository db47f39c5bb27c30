"""/api/v1: one NinjaAPI that mounts each module's router."""

from peerloop.api.setup import build_api

api = build_api()
