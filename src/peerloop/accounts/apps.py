from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "peerloop.accounts"
    label = "accounts"
    verbose_name = "Accounts"
