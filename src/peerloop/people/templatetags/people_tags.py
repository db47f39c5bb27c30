"""Template helpers of the directory."""

from django import template

register = template.Library()


@register.filter
def initials(name: str) -> str:
    """Up to two initials for an avatar: "Ana Sofía Rodríguez" -> "AR"."""
    words = [word for word in str(name or "").split() if word[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:1].upper()
    return (words[0][:1] + words[-1][:1]).upper()
