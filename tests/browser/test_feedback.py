"""The feedback loop in a real browser, on the demo organization: a signed webhook
delivery and a CSV upload land in the inbox of the head of sales of Jakarta, who
acknowledges, writes a lesson and closes with its root cause; the head of sales of
São Paulo (same level, another unit, pricing feedback of her own) receives the lesson."""

import json
import time
import urllib.request

import pytest

from peerloop.accounts import services as account_services
from peerloop.core.roles import SYSTEM
from peerloop.demo.generator import DEMO_PASSWORD
from peerloop.feedback import services
from peerloop.feedback.models import FeedbackItem, FeedbackSource, Lesson
from peerloop.notifications.models import Notification
from peerloop.people import services as people_services
from peerloop.people.models import Person
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

HOOK_TEXT = "Your price list changed overnight and nobody told our shop"
CSV_TEXT = "The discounts we agreed last month are missing on the invoice"
ROOT_CAUSE = "Price changes were published before the regions were told"
LESSON = "Tell shops about a price change a month ahead and call the top 20 accounts in person"


def _deliver(base_url: str) -> int:
    source = FeedbackSource.objects.get(slug="shop-reviews")
    body = json.dumps(
        {"review": {"body": HOOK_TEXT, "stars": 2}, "store": {"region": "jakarta", "segment": "small-retailers"}}
    ).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        f"{base_url}/api/v1/feedback/webhooks/{source.slug}",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Peerloop-Timestamp": stamp,
            "X-Peerloop-Signature": services.signature_for(source.secret, stamp, body),
            "X-Peerloop-Event": "journey-1",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def _login_for(email: str) -> None:
    person = Person.objects.get(email=email)
    user = account_services.user_ensure(email=email, role="member")
    account_services.user_set_password(user_id=user.pk, password=DEMO_PASSWORD, actor=SYSTEM)
    people_services.person_link_user(person_id=person.pk, user_id=user.pk)


def test_feedback_reaches_the_owner_and_the_lesson_reaches_a_peer(demo, journey, expect, tmp_path, live_server):
    assert _deliver(live_server.url) == 202

    owner = journey()
    owner.log_in("owner@example.com")
    owner.goto("feedback:upload")
    csv = tmp_path / "crm.csv"
    csv.write_text(f"text,score,region,segment,idempotency_key\n{CSV_TEXT},3,jakarta,small-retailers,journey-csv-1\n")
    owner.page.get_by_label("File").set_input_files(str(csv))
    owner.page.get_by_role("button", name="Preview").click()
    expect(owner.page.get_by_role("heading", name="Ready to import crm.csv")).to_be_visible()
    owner.shot("upload-preview")
    owner.page.get_by_role("button", name="Apply the import").click()
    expect(owner.page.get_by_role("heading", name="Health of the feedback loop")).to_be_visible()
    owner.shot("loop-health")

    member = journey()
    member.log_in("member@example.com")
    member.goto("feedback:inbox")
    rows = member.page.locator("#inbox-rows")
    expect(rows).to_contain_text(HOOK_TEXT[:60])
    expect(rows).to_contain_text(CSV_TEXT[:60])
    member.shot("inbox")

    item = FeedbackItem.objects.get(text=HOOK_TEXT)
    member.page.get_by_role("link", name=f"#{item.pk}").click()
    expect(member.page.get_by_role("heading", name=f"Feedback #{item.pk}")).to_be_visible()
    member.page.get_by_role("button", name="Acknowledge").click()
    expect(member.page.locator(".messages")).to_contain_text("acknowledged")
    member.page.get_by_label("Root cause").fill(ROOT_CAUSE)
    member.page.get_by_label("Lesson").fill(LESSON)
    member.shot("closing")
    member.page.get_by_role("button", name="Close and share the lesson").click()
    expect(member.page.locator(".messages")).to_contain_text("your lesson is shared")
    expect(member.page.locator(".page-head")).to_contain_text("Closed")
    member.shot("closed")

    lesson = Lesson.objects.get(item=item)
    peer = "patricia.santos@example.com"  # Head of Sales, São Paulo
    assert lesson.shared_with.filter(email=peer).exists()
    assert Notification.objects.filter(recipient__email=peer, kind="feedback.lesson").exists()
    _login_for(peer)
    colleague = journey(viewport=PHONE)
    colleague.log_in(peer)
    colleague.goto("feedback:lessons")
    expect(colleague.page.locator("main")).to_contain_text(LESSON[:60])
    colleague.page.get_by_role("link", name=LESSON[:40], exact=False).first.click()
    expect(colleague.page.locator("main")).to_contain_text(ROOT_CAUSE)
    colleague.shot("lesson-on-phone")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_feedback_pages_render_for_owners_and_program_owners(demo, journey, expect, viewport):
    member = journey(viewport=viewport)
    member.log_in("member@example.com")
    for name, heading in (
        ("feedback:positions", "Where my unit stands among peers"),
        ("feedback:lessons", "Lessons"),
        ("feedback:enter", "Record feedback you heard"),
    ):
        member.goto(name)
        expect(member.page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        member.shot(name.split(":")[1])
    expect(member.page.locator("main")).not_to_contain_text("Traceback")
    owner = journey(viewport=viewport)
    owner.log_in("owner@example.com")
    for name, heading in (
        ("feedback:rules", "Routing rules and SLAs"),
        ("feedback:sources", "Feedback sources"),
        ("feedback:queue", "Fallback queue"),
        ("feedback:surveys", "Surveys"),
    ):
        owner.goto(name)
        expect(owner.page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        owner.shot(name.split(":")[1])
    owner.goto("feedback:sources")
    owner.page.get_by_role("link", name="Shop reviews").click()
    expect(owner.page.locator("main")).to_contain_text("X-Peerloop-Signature")
    owner.shot("webhook-source")
