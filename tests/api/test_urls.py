"""The API's URL patterns, nested by first segment (api.urls.grouped): every path resolves
and every name reverses exactly as with ninja's flat list of patterns."""

from django.urls import URLPattern, path, resolve, reverse

from peerloop.api.urls import api, grouped


class _FlatConf:
    """A URLconf with ninja's patterns as it gives them, one flat list."""

    def __init__(self) -> None:
        self.urlpatterns = [path("api/v1/", api.urls)]


def _flat() -> list[URLPattern]:
    patterns, _, _ = api.urls
    return [p for p in patterns if isinstance(p, URLPattern)]


def test_every_operation_resolves_and_reverses_as_in_the_flat_list():
    flat, conf = _flat(), _FlatConf()
    assert len(flat) > 100
    for pattern in flat:
        kwargs = dict.fromkeys(pattern.pattern.converters, "7")
        name = f"api-1:{pattern.name}"
        url = reverse(name, kwargs=kwargs, urlconf=conf)
        assert reverse(name, kwargs=kwargs) == url
        grouped_match, flat_match = resolve(url), resolve(url, urlconf=conf)
        assert (grouped_match.route, grouped_match.url_name, grouped_match.kwargs) == (
            flat_match.route, flat_match.url_name, flat_match.kwargs,
        )  # fmt: skip


def test_each_operation_has_a_url_name_of_its_own():
    # ninja names a pattern after its function: two modules' functions of one name would
    # make reverse() reach only one of the two operations.
    names = [(p.name, p.callback) for p in _flat()]
    by_name: dict[str, set[object]] = {}
    for name, view in names:
        by_name.setdefault(name, set()).add(view)
    assert [name for name, views in by_name.items() if len(views) > 1] == []


def test_patterns_are_grouped_by_first_segment_and_single_segments_stay_in_place():
    nested = grouped(_flat())
    heads = [str(p.pattern) for p in nested]
    assert heads.count("feedback/") == 1 and "matching/" in heads
    assert "openapi.json" in heads and "me" in heads
    assert len(nested) < 40
