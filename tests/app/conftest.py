"""The app (SPEC §6.6) in a real browser: Playwright driving Debian's chromium (``executable_path``;
no browser is ever downloaded) against ``cashew serve`` on a fresh database with the demo loaded.

Skipped with a reason where chromium or Playwright is missing (``.ci/run`` installs both).
Every page a test opens is watched: a console error, an uncaught exception, or a request to any
host but the server's fails the test when it ends.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM_FLAGS, find_chromium
from tests.live import free_port, live_server

ROOT = Path(__file__).resolve().parents[2]
CASHEW = str(Path(sys.executable).parent / "cashew")
PHONE = {"width": 390, "height": 844}
ADMIN_TOKEN = "app-test-admin"


@dataclass
class Served:
    """``cashew serve`` with the demo: its URL, its settings (for the CLI or the library), its log."""

    url: str
    env: dict[str, str]
    database_url: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("app")
    database_url = f"sqlite:///{home}/cashew.db"
    env = {
        **os.environ,
        "CASHEW_DATABASE_URL": database_url,
        "CASHEW_LOG_KEY_FILE": str(home / "log.key"),
        "CASHEW_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    env.pop("CASHEW_TEST_DATABASE_URL", None)
    for args in (["db", "upgrade"], ["seed", "demo"]):
        subprocess.run([CASHEW, *args], env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    port = free_port()
    env["CASHEW_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    with live_server(
        [CASHEW, "serve", "--port", str(port)], port=port, env=env, cwd=ROOT, log=home / "server.log", timeout=60
    ) as url:
        yield Served(url, env, database_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


REFUSAL = re.compile(
    r"^Failed to load resource: (the server responded with a status of 4\d\d|net::ERR_INTERNET_DISCONNECTED)"
)


@dataclass
class Watched:
    """What a page did that no test may accept: console errors, uncaught exceptions, foreign hosts,
    and any file of the app that failed to load.

    Chromium also logs each API answer of 4xx ("Failed to load resource: … status of 422"), and each
    request made while a test holds the browser offline (``net::ERR_INTERNET_DISCONNECTED``): those
    are refusals and lost connections the app shows in words, which the tests provoke on purpose, so
    they are not errors here; an app file that fails to load is caught by its response instead.
    """

    origin: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not REFUSAL.match(message.text):
            self.errors.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        app_file = response.url.startswith(f"{self.origin}/app/")
        if response.status >= (400 if app_file else 500):
            self.errors.append(f"{response.status} for {response.url}")

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.origin) or url.startswith(("data:", "blob:", "about:"))):
            self.foreign.append(url)


@pytest.fixture
def context(browser: Any, served: Served) -> Iterator[Any]:
    """A phone-sized browser context in Vietnamese, with service workers allowed."""
    ctx = browser.new_context(viewport=PHONE, locale="vi-VN", service_workers="allow")
    yield ctx
    ctx.close()


@pytest.fixture
def watched(served: Served) -> Iterator[Watched]:
    seen = Watched(served.url)
    yield seen
    assert seen.foreign == [], f"requests to other hosts: {seen.foreign}"
    assert seen.errors == [], "\n".join(seen.errors)


@pytest.fixture
def page(context: Any, watched: Watched) -> Any:
    opened = context.new_page()
    watched.attach(opened)
    return opened


def sign_in(page: Any, served: Served, key: str) -> None:
    """Open /app and sign in with ``key`` as a user would: paste it, press the button."""
    page.goto(f"{served.url}/app/")
    page.get_by_label("Khoá API").fill(key)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("#who").filter(has_text="·").wait_for()
