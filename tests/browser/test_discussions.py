"""Discussions in a real browser: a member asks, the community's host answers, the member
accepts; a lesson is found by search; a playbook entry is proposed, endorsed and merged
with its history. Known script-injection payloads in titles, posts and file names never
run: each sets ``window.__xss`` if it executes, and the flag stays unset on every page."""

import re

import pytest

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<svg onload=window.__xss=1>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "<body onload=window.__xss=1>",
    '<iframe src="javascript:window.__xss=1"></iframe>',
    "[link](javascript:window.__xss=1)",
    '<a href="javascript:window.__xss=1">click</a>',
    "<details open ontoggle=window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    '![x](x" onerror="window.__xss=1)',
    "<input autofocus onfocus=window.__xss=1>",
    "`<script>window.__xss=1</script>`",
    "{{7*7}}${7*7}<%= 7*7 %>",
]


def assert_no_script_ran(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("() => window.__xss") is None


def test_ask_answer_accept_search_and_a_playbook_merge(demo, journey, expect):
    member = journey()
    member.log_in("member@example.com")
    member.page.get_by_role("link", name="Discussions", exact=True).click()
    member.page.get_by_role("link", name="Pricing community of practice").first.click()
    expect(member.page.get_by_role("heading", name="Pricing community of practice")).to_be_visible()
    member.page.get_by_role("link", name="Ask or share").click()
    title = "Surcharges in Surabaya? " + PAYLOADS[1]
    member.page.get_by_label("Title").fill(title)
    member.page.get_by_label("Details").fill("How do you price rush orders?\n\n" + "\n\n".join(PAYLOADS))
    member.page.get_by_label("Pricing").check()
    member.page.get_by_label("Attachments").set_input_files(
        files=[{"name": PAYLOADS[2] + ".txt", "mimeType": "text/plain", "buffer": b"rush order notes"}]
    )
    member.page.get_by_role("button", name="Post").click()
    expect(member.page.get_by_role("heading", name=title)).to_be_visible()
    expect(member.page.locator(".attachments")).to_contain_text("svg onload_window.__xss_1.txt")
    assert_no_script_ran(member.page)
    member.shot("asked")
    thread_url = member.page.url

    host = journey()
    host.log_in("owner@example.com")  # the community's host
    host.page.goto(thread_url)
    host.page.get_by_label("Your answer").fill("Add a **rush fee** of 8%. " + PAYLOADS[0] + PAYLOADS[9])
    host.page.get_by_role("button", name="Post").click()
    expect(host.page.locator(".post")).to_have_count(2)
    expect(host.page.locator(".post").nth(1).locator("strong", has_text="rush fee")).to_be_visible()
    assert_no_script_ran(host.page)

    member.page.reload()
    member.page.get_by_role("button", name="Accept this answer").click()
    expect(member.page.locator(".post.accepted")).to_contain_text("rush fee")
    assert_no_script_ran(member.page)
    member.shot("accepted")

    # A lesson shared by the host is found by the member's search, highlighted.
    host.goto("discussions:index")
    host.page.get_by_role("link", name="Pricing community of practice").first.click()
    host.page.get_by_role("link", name="Ask or share").click()
    host.page.get_by_label("What is it?").select_option("lesson")
    host.page.get_by_label("Title").fill("Lesson: rush fees in Surabaya " + PAYLOADS[10])
    host.page.get_by_label("Details").fill("Rush fees kept margins without losing orders. " + PAYLOADS[11])
    host.page.get_by_role("button", name="Post").click()
    expect(host.page.locator(".post")).to_have_count(1)
    assert_no_script_ran(host.page)

    member.goto("discussions:search")
    member.page.get_by_label("Search").fill("surabay*")
    member.page.get_by_role("button", name="Search").click()
    results = member.page.locator("#results")
    expect(results.locator(".hit")).to_have_count(2)
    expect(results.locator("mark").first).to_have_text(re.compile("Surabaya", re.IGNORECASE))
    expect(results).to_contain_text("Lesson")
    assert_no_script_ran(member.page)
    member.shot("search")

    # A playbook entry: the member proposes a change, the host endorses and merges it.
    member.goto("discussions:playbooks")
    member.page.get_by_role("link", name="Pricing conversations: non-negotiables").click()
    member.page.get_by_role("link", name="Propose a change").first.click()
    member.page.get_by_label("Text").fill("Every discount is traded for volume, term or a case study. " + PAYLOADS[12])
    member.page.get_by_label("Why").fill("Surabaya's rush fees show trades work.")
    member.page.get_by_role("button", name="Propose").click()
    expect(member.page.locator(".diff-add")).to_contain_text("case study")
    assert_no_script_ran(member.page)
    proposal_url = member.page.url

    host.page.goto(proposal_url)
    host.page.get_by_role("button", name="Endorse").click()
    expect(host.page.locator("body")).to_contain_text("Your vote is recorded.")
    host.page.get_by_role("button", name="Merge").click()
    expect(host.page.get_by_role("heading", name=re.compile("Never discount without a trade"))).to_contain_text("v2")
    history = host.page.locator("details")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Version 2")
    expect(history.first.locator(".diff-add")).to_contain_text("case study")
    assert_no_script_ran(host.page)
    host.shot("merged")
