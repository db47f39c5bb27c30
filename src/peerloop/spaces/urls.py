from django.urls import path

from peerloop.spaces import views

app_name = "spaces"

urlpatterns = [
    path("", views.space_list, name="list"),
    path("new/", views.space_create, name="create"),
    path("invitations/<str:token>/", views.invitation_accept, name="accept"),
    path("<slug:slug>/", views.space_detail, name="detail"),
    path("<slug:slug>/edit/", views.space_edit, name="edit"),
    path("<slug:slug>/archive/", views.space_archive, name="archive"),
    path("<slug:slug>/invite/", views.space_invite, name="invite"),
    path("<slug:slug>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<slug:slug>/members/<int:person_id>/remove/", views.member_remove, name="member_remove"),
]
