app_name = "vocabulary"

urlpatterns: list = []
