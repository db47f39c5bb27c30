from django.urls import path

from peerloop.discussions import views

app_name = "discussions"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_page, name="search"),
    path("review/", views.review, name="review"),
    path("me/", views.me, name="me"),
    path("spaces/<int:space_id>/", views.space_threads, name="space"),
    path("spaces/<int:space_id>/ask/", views.ask, name="ask"),
    path("spaces/<int:space_id>/sessions/", views.sessions, name="sessions"),
    path("spaces/<int:space_id>/playbooks/", views.playbook_create, name="playbook_create"),
    path("threads/<int:thread_id>/", views.thread_page, name="thread"),
    path("threads/<int:thread_id>/reply/", views.reply, name="reply"),
    path("threads/<int:thread_id>/action/", views.thread_action, name="thread_action"),
    path("threads/<int:thread_id>/experts/", views.experts_panel, name="experts"),
    path("threads/<int:thread_id>/invite/", views.invite, name="invite"),
    path("posts/<int:post_id>/action/", views.post_action, name="post_action"),
    path("posts/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("playbooks/", views.playbooks, name="playbooks"),
    path("playbooks/new/", views.playbook_new, name="playbook_new"),
    path("playbooks/<int:playbook_id>/", views.playbook_page, name="playbook"),
    path("playbooks/<int:playbook_id>/propose/", views.propose, name="propose"),
    path("proposals/<int:proposal_id>/", views.proposal_page, name="proposal"),
    path("proposals/<int:proposal_id>/action/", views.proposal_action, name="proposal_action"),
    path("entries/<int:entry_id>/", views.entry_page, name="entry"),
    path("entries/<int:entry_id>/action/", views.entry_action, name="entry_action"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
]
