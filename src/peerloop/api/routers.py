"""Mounts each module's router under /api/v1."""

from ninja import NinjaAPI

from peerloop.accounts.api import router as accounts_router
from peerloop.core.api import router as core_router
from peerloop.discussions.api import router as discussions_router
from peerloop.feedback.api import router as feedback_router
from peerloop.insights.api import router as insights_router
from peerloop.matching.api import router as matching_router
from peerloop.notifications.api import router as notifications_router
from peerloop.people.api import router as people_router
from peerloop.programs.api import router as programs_router
from peerloop.recognition.api import router as recognition_router
from peerloop.spaces.api import router as spaces_router
from peerloop.vocabulary.api import router as vocabulary_router


def mount(api: NinjaAPI) -> None:
    api.add_router("/", people_router)
    api.add_router("/", vocabulary_router)
    api.add_router("/", spaces_router)
    api.add_router("/", programs_router)
    api.add_router("/", core_router)
    api.add_router("/", accounts_router)
    api.add_router("/", matching_router)
    api.add_router("/", notifications_router)
    api.add_router("/", insights_router)
    api.add_router("/", recognition_router)
    api.add_router("/", feedback_router)
    api.add_router("/", discussions_router)
