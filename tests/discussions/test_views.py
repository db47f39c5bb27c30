"""Pages and API of discussions: what they show, bad input, pinned query counts."""

from datetime import UTC, datetime
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
import pytest

from peerloop.discussions import services
from peerloop.discussions.models import PeerSession, Playbook, Post, Thread
from tests.discussions.helpers import actor, community, peer, question
from tests.discussions.matrix import PNG

XSS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "javascript:window.__xss=1",
    '<a href="javascript:window.__xss=1">x</a>',
    "[click](javascript:window.__xss=1)",
    "<iframe src=javascript:window.__xss=1>",
    "{{ 7*7 }}<style>*{}</style>",
]


def test_the_thread_page_shows_posts_accepted_answer_and_escapes_payloads(world, client_as):
    thread = question(world, title=XSS[1], body="\n\n".join(XSS))
    services.post_create(
        actor=actor(peer(world)),
        thread_id=thread.pk,
        body=XSS[0],
        files=[services.Upload(name=XSS[2] + ".txt", content=b"plain notes")],
    )
    page = client_as("member").get(reverse("discussions:thread", args=[thread.pk])).content.decode()
    found = Elements()
    found.feed(page)
    assert not [e for e in found.elements if e[0] in ("iframe", "style", "object", "embed")]
    assert [e for e in found.elements if e[0] == "svg"] == [("svg", found.bell)]  # only the bell icon
    assert not [e for e in found.elements if any(name.startswith("on") for name, _ in e[1])]
    assert not [e for e in found.elements if any("javascript" in (v or "") for _, v in e[1])]
    scripts = [dict(e[1]).get("src") for e in found.elements if e[0] == "script"]
    assert all(src and src.startswith("/static/") for src in scripts)  # only the app's own scripts
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in page  # the title, as text


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

        self.bell = [
            ("class", "notif-bell-icon"),
            ("aria-hidden", "true"),
            ("viewbox", "0 0 24 24"),
            ("width", "20"),
            ("height", "20"),
        ]

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def test_ask_form_posts_and_refuses_oversized_or_disguised_files(world, client_as):
    client = client_as("leader")
    url = reverse("discussions:ask", args=[community(world).pk])
    fake = SimpleUploadedFile("report.pdf", b"MZ" + b"\0" * 100, content_type="application/pdf")
    response = client.post(url, {"kind": "question", "title": "With a file", "body": "see", "files": [fake]})
    assert response.status_code == 415
    assert "not accepted" in response.content.decode()
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024), content_type="image/png")
    response = client.post(url, {"kind": "question", "title": "With a file", "body": "see", "files": [big]})
    assert response.status_code == 413
    assert Thread.objects.count() == 0
    response = client.post(url, {"kind": "question", "title": "Plain", "body": "*hi*", "topics": [world.topic.pk]})
    thread = Thread.objects.get()
    assert response["Location"] == reverse("discussions:thread", args=[thread.pk])
    assert list(thread.topics.values_list("pk", flat=True)) == [world.topic.pk]


def test_search_page_shows_snippets_and_a_clear_400(world, client_as):
    question(world, title="Ladder pricing", body="A ladder of discounts <b>bold</b>")
    client = client_as("leader")
    page = client.get(reverse("discussions:search"), {"q": "ladder"}).content.decode()
    assert "<mark>Ladder</mark> pricing" in page
    response = client.get(reverse("discussions:search"), {"q": "x" * 10_000})
    assert response.status_code == 400 and "limited to 1,000 characters" in response.content.decode()
    response = client.get(reverse("discussions:search"), {"q": "😀"})
    assert response.status_code == 400 and "at least one word" in response.content.decode()


def test_api_search_errors_are_problem_details_and_merge_conflicts_are_409(world, client_as):
    client = client_as("member")
    response = client.get("/api/v1/discussions/search", {"q": '"" ('})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    pb = services.playbook_create(actor=actor(world.member), space_id=community(world).pk, title="Rules")
    first = services.proposal_create(actor=actor(world.member), playbook_id=pb.pk, title="T", body="v1")
    entry = services.proposal_merge(actor=actor(world.member), proposal_id=first.pk)
    stale = services.proposal_create(
        actor=actor(world.leader), playbook_id=pb.pk, entry_id=entry.pk, title="T", body="mine"
    )
    services.proposal_merge(
        actor=actor(world.member),
        proposal_id=services.proposal_create(
            actor=actor(world.member), playbook_id=pb.pk, entry_id=entry.pk, title="T", body="theirs"
        ).pk,
    )
    response = client.post(f"/api/v1/discussions/proposals/{stale.pk}/merge")
    assert response.status_code == 409
    assert "changed since this proposal was written" in response.json()["detail"]


def test_api_ask_answer_accept(world, client_as):
    leader = client_as("leader")
    created = leader.post(
        "/api/v1/discussions/threads",
        {"space_id": community(world).pk, "title": "API?", "body": "**b**", "topic_ids": [world.topic.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201
    thread_id = created.json()["id"]
    other = peer(world)
    from django.test import Client

    peer_client = Client()
    peer_client.force_login(other.user)
    answer = peer_client.post(
        f"/api/v1/discussions/threads/{thread_id}/posts", {"body": "Yes"}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["html"] == "<p>Yes</p>\n"
    accepted = leader.post(f"/api/v1/discussions/posts/{answer.json()['id']}/accept")
    assert accepted.json()["accepted_post_id"] == answer.json()["id"]
    detail = leader.get(f"/api/v1/discussions/threads/{thread_id}").json()
    assert [p["body"] for p in detail["posts"]] == ["**b**", "Yes"]
    bad = leader.post(
        "/api/v1/discussions/threads",
        {"space_id": community(world).pk, "title": " ", "body": "b"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "title" in bad.content.decode()


def _many_threads(world, n=25):
    for i in range(n):
        t = question(world, title=f"Question {i}")
        services.post_create(actor=actor(world.member), thread_id=t.pk, body=f"answer {i}")


@pytest.mark.parametrize("name", ["discussions:index", "discussions:space"])
def test_list_pages_have_pinned_query_counts(world, client_as, django_assert_max_num_queries, name):
    _many_threads(world)
    client = client_as("leader")
    url = reverse(name, args=[community(world).pk]) if name == "discussions:space" else reverse(name)
    client.get(url)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.content.decode().count('class="thread-row"') == 25


def test_thread_page_and_api_lists_have_pinned_query_counts(world, client_as, django_assert_max_num_queries):
    thread = question(world)
    for i in range(60):
        services.post_create(actor=actor(world.member if i % 2 else world.leader), thread_id=thread.pk, body=f"p {i}")
    client = client_as("leader")
    with django_assert_max_num_queries(22):
        response = client.get(reverse("discussions:thread", args=[thread.pk]))
    assert response.content.decode().count('<article class="post') == 61
    _many_threads(world, 10)
    with django_assert_max_num_queries(12):
        listed = client.get("/api/v1/discussions/threads")
    assert listed.json()["count"] == 11
    with django_assert_max_num_queries(12):
        client.get("/api/v1/discussions/search", {"q": "p"})
    assert Post.objects.count() == 81


def test_api_attachments_are_checked_by_content_and_all_or_nothing(world, client_as):
    leader = client_as("leader")
    thread = question(world)
    post_id = thread.posts.get(opening=True).pk
    url = f"/api/v1/discussions/posts/{post_id}/attachments"
    good = SimpleUploadedFile("plan.txt", b"Seat prices by region", content_type="text/plain")
    disguised = SimpleUploadedFile("report.pdf", b"MZ" + b"\0" * 100, content_type="application/pdf")
    refused = leader.post(url, {"files": [good, disguised]})
    assert refused.status_code == 415 and refused["Content-Type"].startswith("application/problem+json")
    assert "report" in refused.json()["detail"]
    assert not Post.objects.get(pk=post_id).attachments.exists()
    png = SimpleUploadedFile("chart.png", PNG, content_type="image/png")
    text = SimpleUploadedFile("plan.txt", b"Seat prices by region", content_type="text/plain")
    added = leader.post(url, {"files": [png, text]})
    assert added.status_code == 201
    body = added.json()
    assert [(a["name"], a["content_type"], a["is_image"], a["post_id"]) for a in body] == [
        ("chart.png", "image/png", True, post_id),
        ("plan.txt", "text/plain", False, post_id),
    ]
    assert leader.get(body[1]["url"]).getvalue() == b"Seat prices by region"
    more = [SimpleUploadedFile(f"n{i}.txt", b"note", content_type="text/plain") for i in range(4)]
    too_many = leader.post(url, {"files": more})
    assert too_many.status_code == 422
    assert "At most 5 files per post; this one has 2" in too_many.json()["errors"][0]["msg"]
    assert Post.objects.get(pk=post_id).attachments.count() == 2
    # Someone else's post: a member of the space who is not its host may not attach to it.
    other = peer(world)
    from django.test import Client

    peer_client = Client()
    peer_client.force_login(other.user)
    note = SimpleUploadedFile("n.txt", b"note", content_type="text/plain")
    assert peer_client.post(url, {"files": [note]}).status_code == 403


def test_api_creates_playbooks_of_spaces_and_programs_and_sessions(world, client_as):
    host = client_as("member")
    created = host.post(
        "/api/v1/discussions/playbooks",
        {"space_id": community(world).pk, "title": "Pricing rules", "revalidate_days": 90, "role": "admin"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("title", "space_id", "program_id", "revalidate_days")} == {
        "title": "Pricing rules",
        "space_id": community(world).pk,
        "program_id": None,
        "revalidate_days": 90,
    }
    both = host.post(
        "/api/v1/discussions/playbooks",
        {"space_id": community(world).pk, "program_id": world.program.pk, "title": "Both"},
        content_type="application/json",
    )
    assert both.status_code == 422 and "one space or one program" in str(both.json()["errors"])
    assert host.post(
        "/api/v1/discussions/playbooks",
        {"program_id": world.program.pk, "title": "Not mine"},
        content_type="application/json",
    ).status_code in (403, 404)
    owner = client_as("program_owner").post(
        "/api/v1/discussions/playbooks",
        {"program_id": world.program.pk, "title": "Program rules"},
        content_type="application/json",
    )
    assert owner.status_code == 201 and owner.json()["program_id"] == world.program.pk
    session = host.post(
        "/api/v1/discussions/sessions",
        {
            "space_id": community(world).pk,
            "title": "Pricing circle",
            "starts_at": "2030-01-10T10:00:00+01:00",
            "repeat_days": 14,
        },
        content_type="application/json",
    )
    assert session.status_code == 201
    planned = PeerSession.objects.get(pk=session.json()["id"])
    assert planned.starts_at == datetime(2030, 1, 10, 9, 0, tzinfo=UTC) and planned.repeat_days == 14
    assert [item["kind"] for item in session.json()["agenda"]] == [item["kind"] for item in planned.agenda]
    naive = host.post(
        "/api/v1/discussions/sessions",
        {"space_id": community(world).pk, "title": "No zone", "starts_at": "2030-01-10T10:00:00", "repeat_days": 3},
        content_type="application/json",
    )
    assert naive.status_code == 422


def test_playbook_page_offers_hosted_spaces_and_owned_programs_and_names_bad_input(world, client_as):
    community(world)
    host = client_as("member")
    page = host.get(reverse("discussions:playbook_new")).content.decode()
    assert f'value="space:{community(world).pk}"' in page and "program:" not in page
    bad = host.post(reverse("discussions:playbook_new"), {"home": "", "title": "Rules", "revalidate_days": "90"})
    assert bad.status_code == 422 and "Choose the space or program" in bad.content.decode()
    bad = host.post(
        reverse("discussions:playbook_new"),
        {"home": f"space:{community(world).pk}", "title": "Rules", "revalidate_days": "0"},
    )
    assert bad.status_code == 422 and "1 to 3,650 days" in bad.content.decode()
    assert not Playbook.objects.exists()
    made = host.post(
        reverse("discussions:playbook_new"),
        {
            "home": f"space:{community(world).pk}",
            "title": "Pricing rules",
            "description": "Ours",
            "revalidate_days": "90",
        },
    )
    playbook = Playbook.objects.get()
    assert made["Location"] == reverse("discussions:playbook", args=[playbook.pk])
    assert (playbook.space_id, playbook.program_id, playbook.title, playbook.revalidate_days) == (
        community(world).pk,
        None,
        "Pricing rules",
        90,
    )
    owner = client_as("program_owner")
    page = owner.get(reverse("discussions:playbook_new")).content.decode()
    assert f'value="program:{world.program.pk}"' in page
    owner.post(
        reverse("discussions:playbook_new"),
        {"home": f"program:{world.program.pk}", "title": "Leaders' rules", "revalidate_days": "180"},
    )
    assert Playbook.objects.get(program=world.program).title == "Leaders' rules"
    # A member who hosts nothing and owns nothing is told who starts playbooks.
    assert (
        "You host no space and own no program"
        in client_as("leader").get(reverse("discussions:playbook_new")).content.decode()
    )
