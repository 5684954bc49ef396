"""Headless Chromium for browser tests, and axe-core's accessibility check.

Playwright cannot download a browser of its own on our machines, so the tests
drive Debian's chromium (`deploy/local/chromium.sh install`, run by `make
install`). axe-core's script comes from the axe-playwright-python package,
pinned in constraints.txt like every other dependency; only its `axe.min.js`
is used. A pytest plugin: pyproject's addopts loads it with `-p`.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict

import pytest
from playwright.async_api import Browser, Page, async_playwright

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

# The success criteria the console is held to: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


class Violation(TypedDict):
    """One axe-core rule a page breaks, with selectors of the elements that break it."""

    id: str
    impact: str
    help: str
    targets: list[str]


def chromium_path() -> Path | None:
    """Debian's chromium, where `deploy/local/chromium.sh install` puts it; None if missing."""
    found = shutil.which("chromium")
    if found:
        return Path(found)
    return DEBIAN_CHROMIUM if DEBIAN_CHROMIUM.is_file() else None


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium for the whole test session; give each test its own `new_context()`."""
    executable = chromium_path()
    if executable is None:
        pytest.fail("no chromium on PATH or at /usr/bin/chromium: run `deploy/local/chromium.sh install` "
                    "(or `make install`)")
    async with async_playwright() as playwright:
        # Chromium's sandbox cannot start as root, which is how tests run here (Playwright's
        # launch would pass --no-sandbox anyway; saying so keeps it from changing under us).
        # The browser only ever loads pages that the tests serve on loopback.
        launched = await playwright.chromium.launch(executable_path=executable, headless=True,
                                                    chromium_sandbox=False)
        try:
            yield launched
        finally:
            await launched.close()


@functools.cache
def _axe_script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


async def serious_violations(page: Page) -> list[Violation]:
    """Run axe-core on the page as it is now, against WCAG 2.0/2.1 A and AA; return the
    serious and critical violations, in axe's order.

    Only rule ids, impacts, the rule's help text and the elements' CSS selectors are
    kept: never axe's HTML snippets or failure summaries, which quote the page (and so
    possibly a member's health information) into test reports. Frames are not entered.
    """
    # evaluate() goes through the DevTools protocol, so a strict Content-Security-Policy
    # on the page (as the console sends) does not block the injected script.
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(_axe_script())
    results: dict[str, Any] = await page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]},
    )
    return [
        Violation(id=rule["id"], impact=rule["impact"], help=rule["help"],
                  targets=[_selector(node["target"]) for node in rule["nodes"]])
        for rule in results["violations"]
        if rule["impact"] in BLOCKING_IMPACTS
    ]


def _selector(target: list[str | list[str]]) -> str:
    # axe gives a path of selectors: one per frame, a list of them where shadow roots nest.
    return " >>> ".join(part if isinstance(part, str) else " >>> ".join(part) for part in target)
