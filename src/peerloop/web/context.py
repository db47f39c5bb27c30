from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    actor = getattr(request, "actor", None)
    return {"actor": actor}
