"""The browser-test tooling: Debian's Chromium driven by Playwright, and axe-core's
check, on pages a real HTTP server on loopback serves with a strict
Content-Security-Policy (the kind the console sends)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from liaison_shared.testing.browser import serious_violations

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"

PAGES: dict[str, tuple[str, bytes]] = {
    "/queue": ("text/html", b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Queue</title><script src="/queue.js" defer></script></head>
<body><main><h1>Open inquiries</h1><p id="count">loading</p></main></body></html>"""),
    # Served from the same origin, so the CSP lets it run: the text below is the browser's work.
    "/queue.js": ("text/javascript", b"document.getElementById('count').textContent = (1 + 2) + ' open';"),
    "/unlabelled": ("text/html", b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Member search</title></head>
<body><main><h1>Member search</h1><p>Jane Q. Sample, DOB 1970-01-01</p>
<form><input type="text" id="member-name"><button type="submit">Search</button></form>
<img src="/photo.png" id="photo"></main></body></html>"""),
    "/labelled": ("text/html", b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Member search</title></head>
<body><main><h1>Member search</h1>
<form><label for="member-name">Member name</label><input type="text" id="member-name">
<button type="submit">Search</button></form>
<img src="/photo.png" alt="Program logo"></main></body></html>"""),
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        content_type, body = PAGES.get(self.path, ("text/plain", b"not found"))
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def test_chromium_renders_a_served_page_and_runs_its_script(page: Page, site: str) -> None:
    response = await page.goto(f"{site}/queue")
    assert response is not None and response.ok
    await expect(page.get_by_role("heading", level=1)).to_have_text("Open inquiries")
    await expect(page.locator("#count")).to_have_text("3 open")
    assert await page.locator("#count").text_content() == "3 open"


async def test_serious_violations_names_the_unlabelled_input_and_the_image_without_alt(page: Page, site: str) -> None:
    await page.goto(f"{site}/unlabelled")
    violations = await serious_violations(page)
    by_rule = {violation["id"]: violation for violation in violations}
    assert {"label", "image-alt"} <= by_rule.keys()
    assert by_rule["label"]["targets"] == ["#member-name"]
    assert by_rule["image-alt"]["targets"] == ["#photo"]
    assert all(violation["impact"] in {"serious", "critical"} for violation in violations)
    assert all(set(violation) == {"id", "impact", "help", "targets"} for violation in violations)
    assert "Jane" not in repr(violations)  # what the page says stays out of the report


async def test_serious_violations_finds_none_on_a_labelled_page(page: Page, site: str) -> None:
    await page.goto(f"{site}/labelled")
    assert await serious_violations(page) == []
    # A second run on the same page reuses the injected script and still answers.
    await page.get_by_label("Member name").fill("x")
    assert await serious_violations(page) == []


async def test_screenshot_is_written_as_a_png(page: Page, site: str, tmp_path: Path) -> None:
    await page.goto(f"{site}/labelled")
    shot = tmp_path / "labelled.png"
    await page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 1000
