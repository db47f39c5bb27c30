"""The server-side charts: labels are escaped, no inline style, and the words are there."""

from xml.etree import ElementTree

from peerloop.insights import svg

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def parse(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text)  # fails on anything that is not well-formed XML


def test_every_chart_escapes_labels_and_uses_no_inline_style():
    charts = [
        svg.line_chart({PAYLOAD: [0.1, None, 0.3, 0.2]}, [PAYLOAD, "b", "c", "d"], title=PAYLOAD, desc=PAYLOAD),
        svg.heat_map([PAYLOAD, "Lagos"], [[1, 2], [0, 3]], title="t", desc="d"),
        svg.network_map(
            [
                {"label": PAYLOAD, "people": 5, "community": 0, "x": 0, "y": 0},
                {"label": "b", "people": 9, "community": 1, "x": 1, "y": 1},
            ],
            [{"a": 0, "b": 1, "weight": 3.0}],
            title="t",
            desc="d",
        ),
        svg.bars([(PAYLOAD, 3, "3"), ("hidden", None, "fewer than 5")], title="t", desc="d"),
    ]
    for chart in charts:
        root = parse(chart)
        assert "<script" not in chart and "<img" not in chart and "style=" not in chart
        assert not root.findall(".//{http://www.w3.org/2000/svg}script")
        assert PAYLOAD in "".join(root.itertext())  # shown as text, not markup


def test_a_line_chart_breaks_at_gaps_and_says_what_it_shows():
    chart = svg.line_chart({"lateral": [0.1, 0.2, None, 0.4, 0.5]}, list("abcde"), title="Flows", desc="Lateral rose.")
    root = parse(chart)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2
    assert root.find(f"{ns}title").text == "Flows" and root.find(f"{ns}desc").text == "Lateral rose."
    assert [t.text for t in root.findall(f"{ns}text") if t.text and t.text.endswith("%")] == [
        "0%",
        "10%",
        "20%",
        "30%",
        "40%",
        "50%",
    ]
