"""The guestbook in a real browser: Chromium opens the app through the local cloud.

The path a visitor's browser takes: Route 53 name → CloudFront → S3 for the page, and
CloudFront → API Gateway → Lambda → DynamoDB for ``/api/*``. Chromium resolves ``*.localhost``
to loopback itself, and the local CloudFront picks the distribution by the Host header.

Uses Debian's Chromium (``apt-get install chromium``), never a browser Playwright downloads.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from helpers import cdn

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# No background networking: this machine's network is closed, and a test must not phone home.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TIMEOUT_MS = 10_000
LOADING = "Loading messages…"
EMPTY = "No messages yet. Be the first!"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Headless Chromium, with a fresh temporary profile (Playwright makes one per launch)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install it with `apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must install it)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def aws(chromium, aws):  # the local cloud of tests/conftest.py, once a browser is there
    return aws


@dataclass
class Visit:
    """A page in its own browser context (its own localStorage), and what went wrong in it."""

    page: Page
    problems: list[str] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)


@pytest.fixture
def visit(chromium) -> Iterator[Visit]:
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    seen = Visit(page)
    page.on("console", lambda m: m.type == "error" and seen.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda error: seen.problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: seen.problems.append(
        f"request failed: {r.method} {r.url}: {r.failure}"))  # fmt: skip
    page.on("response", lambda r: r.status >= 500 and seen.problems.append(
        f"{r.status} from {r.request.method} {r.url}"))  # fmt: skip
    page.on("request", lambda r: r.method == "POST" and seen.posts.append(r.url))
    yield seen
    context.close()


def open_guestbook(page: Page, url: str) -> None:
    """Open the page and wait until the list has loaded (the status leaves "Loading…")."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    expect(page).to_have_title("Guestbook")
    expect(page.get_by_role("heading", name="Guestbook", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Post message")).to_be_visible()
    list_status = page.locator("#list-status")
    expect(list_status).not_to_have_text(LOADING)
    expect(list_status).not_to_have_class(re.compile(r"\berror\b"))
    expect(list_status).to_have_text(re.compile(f"^({re.escape(EMPTY)})?$"))


def stored_message(aws, app, message_id: str) -> dict | None:
    """The message's pointer item in DynamoDB, or None."""
    key = {"pk": {"S": f"MESSAGE#{message_id}"}, "sk": {"S": "MESSAGE"}}
    item = aws.client("dynamodb").get_item(TableName=app.backend.table, Key=key)
    return item.get("Item")


def test_post_reload_and_delete_a_message(aws, app, visit):
    page, url = visit.page, app.url(aws)
    assert app.record and url.startswith(f"http://{app.record}.localhost:"), url
    # Someone else's message, posted from elsewhere: listed, but with no Delete button here.
    # It also keeps the list non-empty, so the status after deleting ours is exactly
    # "Message deleted." (with an empty list the empty-state note follows it).
    grace = {"name": "Grace", "text": "Posted from another browser"}
    other = cdn.request(aws, app.host, "POST", "/api/messages", json_body=grace)
    assert other.status == 201, other.json
    open_guestbook(page, url)
    theirs = page.locator(f'#messages > li[data-id="{other.json["id"]}"]')
    expect(theirs).to_contain_text("Posted from another browser")
    expect(theirs.get_by_role("button")).to_have_count(0)
    messages = page.locator("#messages > li")
    name = page.get_by_label("Name", exact=True)
    text = f"Hello from Chromium, run {secrets.token_hex(3)}"

    name.fill("Ada Lovelace")
    page.get_by_label("Message", exact=True).fill(text)
    expect(page.locator("#text-count")).to_have_text(f"{len(text)} / 500")
    page.get_by_role("button", name="Post message").click()

    expect(page.locator("#form-status")).to_have_text("Posted. Only this browser can delete it.")
    newest = messages.first
    expect(newest.locator("strong")).to_have_text("Ada Lovelace")
    expect(newest.locator(".message-text")).to_have_text(text)
    expect(newest.get_by_role("button", name=re.compile("^Delete your message"))).to_be_visible()
    expect(name).to_have_value("")  # the form was reset
    expect(page.locator("#name-count")).to_have_text("0 / 50")
    message_id = newest.get_attribute("data-id")
    assert message_id and stored_message(aws, app, message_id) is not None

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "guestbook.png"), full_page=True)

    page.reload()  # from DynamoDB this time; the delete token from localStorage
    expect(page.locator("#list-status")).not_to_have_text(LOADING)
    mine = messages.filter(has_text=text)
    expect(mine).to_have_count(1)
    expect(messages.first).to_have_attribute("data-id", message_id)
    delete = mine.get_by_role("button", name=re.compile("^Delete your message"))
    delete.click()

    expect(page.locator("#list-status")).to_have_text("Message deleted.")
    expect(mine).to_have_count(0)
    assert stored_message(aws, app, message_id) is None

    page.reload()
    expect(page.locator("#list-status")).not_to_have_text(LOADING)
    expect(page.locator("#list-status")).not_to_have_class(re.compile(r"\berror\b"))
    expect(page.locator(f'#messages > li[data-id="{message_id}"]')).to_have_count(0)
    assert visit.problems == []


def test_an_empty_name_is_refused_in_the_browser_and_by_the_api(aws, app, visit):
    page = visit.page
    open_guestbook(page, app.url(aws))
    name = page.get_by_label("Name", exact=True)
    name.fill("   ")  # only spaces: empty once trimmed
    page.get_by_label("Message", exact=True).fill("No name on this one")
    page.get_by_role("button", name="Post message").click()

    form_status = page.locator("#form-status")
    expect(form_status).to_have_text("Name is required.")
    expect(form_status).to_have_class(re.compile(r"\berror\b"))
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    assert visit.posts == [] and visit.problems == []  # the browser's check kept it from the API

    # The API checks too, for clients that skip the form: the same request from this page.
    refused = page.evaluate("""async () => {
        const response = await fetch("/api/messages", {
            method: "POST", headers: {"Content-Type": "application/json"},
            body: JSON.stringify({name: "", text: "No name on this one"}),
        });
        return {status: response.status, body: await response.json()};
    }""")
    assert refused["status"] == 400 and refused["body"]["error"]["code"] == "invalid_field"
    # Chromium logs a 4xx as a console error: this one, and only it (so the watcher works).
    assert len(visit.problems) == 1 and "status of 400" in visit.problems[0], visit.problems


def test_the_distribution_domain_serves_the_app_too(aws, app, visit):
    url = cdn.site_url(aws, app.domain)
    # AWS names it dXXXX.cloudfront.net; moto uses the distribution id, lower-cased.
    assert re.match(r"^http://[a-z0-9]+\.cloudfront\.net\.localhost:\d+/$", url), url
    open_guestbook(visit.page, url)  # the page from S3, and the list from /api/ through it
    assert visit.problems == []
