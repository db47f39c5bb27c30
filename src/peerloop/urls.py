from django.contrib import admin
from django.urls import include, path

from peerloop.api.urls import urls as api_urls

# A request refused before any view runs (a Host header Django refuses): problem details on /api/.
handler400 = "peerloop.api.middleware.bad_request"

# The API first: its clients send the most requests, and Django tries the patterns in order.
urlpatterns = [
    path("api/v1/", api_urls()),
    path("", include("peerloop.web.urls")),
    path("accounts/", include("peerloop.accounts.urls")),
    path("people/", include("peerloop.people.urls")),
    path("vocabulary/", include("peerloop.vocabulary.urls")),
    path("spaces/", include("peerloop.spaces.urls")),
    path("programs/", include("peerloop.programs.urls")),
    path("matching/", include("peerloop.matching.urls")),
    path("recognition/", include("peerloop.recognition.urls")),
    path("feedback/", include("peerloop.feedback.urls")),
    path("discussions/", include("peerloop.discussions.urls")),
    path("notifications/", include("peerloop.notifications.urls")),
    path("insights/", include("peerloop.insights.urls")),
    path("django-admin/", admin.site.urls),
]
