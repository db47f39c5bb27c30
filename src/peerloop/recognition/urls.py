from django.urls import path

from peerloop.recognition import views

app_name = "recognition"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("give/", views.give, name="give"),
    path("kudos/<int:kudos_id>/react/", views.react, name="react"),
    path("me/", views.statement, name="statement"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("leaderboard/opt/", views.leaderboard_opt, name="leaderboard_opt"),
    path("rewards/", views.rewards, name="rewards"),
    path("rewards/<int:reward_id>/redeem/", views.redeem, name="redeem"),
    path("approvals/", views.approvals, name="approvals"),
    path("redemptions/<int:redemption_id>/decide/", views.decide, name="decide"),
    path("manage/", views.manage, name="manage"),
    path("manage/rules/", views.rule_save, name="rule_save"),
    path("manage/rules/apply/", views.rules_apply, name="rules_apply"),
    path("manage/rules/<int:rule_id>/active/", views.rule_active, name="rule_active"),
    path("manage/rewards/", views.reward_save, name="reward_save"),
    path("manage/budgets/", views.budget_fund, name="budget_fund"),
    path("manage/policies/", views.policy_save, name="policy_save"),
    path("manage/corrections/", views.correction, name="correction"),
    path("manage/flags/", views.flags, name="flags"),
    path("manage/flags/detect/", views.flags_detect, name="flags_detect"),
    path("manage/flags/<int:flag_id>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
]
