"""Markdown to safe HTML, mentions and plain text for search. Pure: no Django import.

Posts are written in CommonMark (markdown-it-py, raw HTML disabled) and the result is
cleaned by nh3 with an allow-list of tags and attributes, so a post can never carry a
script, an event handler or a ``javascript:`` link, whatever the Markdown parser lets
through. Links get ``rel="noopener noreferrer nofollow"``.
"""

import re

from markdown_it import MarkdownIt
import nh3

ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_BODY = 50_000

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_md.enable("strikethrough")

# @someone@example.org or @handle (letters, digits, dots, dashes, underscores).
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|[A-Za-z][A-Za-z0-9._-]{1,63})")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def sanitize(html: str) -> str:
    """HTML reduced to the allow-list (tags, attributes, URL schemes)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """A post's Markdown as HTML that is safe to show as is."""
    return sanitize(_md.render(text))


def plain_text(text: str) -> str:
    """The words of a Markdown body for the search index: rendered, tags dropped, one line."""
    rendered = _TAG.sub(" ", _md.render(text))
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&")):
        rendered = rendered.replace(entity, char)
    return _SPACE.sub(" ", rendered).strip()


def mentions(text: str) -> list[str]:
    """The handles and emails mentioned with @, lower-cased, in order, without repeats;
    mentions inside code are ignored."""
    without_code = re.sub(r"```.*?```|`[^`]*`", " ", text, flags=re.DOTALL)
    seen: dict[str, None] = {}
    for match in MENTION.finditer(without_code):
        seen.setdefault(match.group(1).lower().rstrip("."), None)
    return list(seen)
