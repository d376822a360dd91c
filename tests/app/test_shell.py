"""The app's shell: served from the package with a strict CSP, installable, sign-in and sign-out,
the role's screens, the language switch (SPEC §6.6)."""

from typing import Any

import httpx

from seeds.demo_data import DEMO_PARTIES
from tests.app.conftest import Served, sign_in

FARMER = next(p for p in DEMO_PARTIES if p.key == "ck_demo_farmer_hung")


class TestServed:
    def test_files_come_with_a_strict_policy(self, served: Served) -> None:
        answer = httpx.get(f"{served.url}/app/")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
        assert "<script>" not in answer.text and ' style="' not in answer.text  # no inline script or style
        worker = httpx.get(f"{served.url}/app/sw.js")
        assert worker.headers["service-worker-allowed"] == "/app/"
        assert worker.headers["content-type"].startswith("text/javascript")
        manifest = httpx.get(f"{served.url}/app/manifest.webmanifest").json()
        assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
        assert all(httpx.get(f"{served.url}{icon['src']}").status_code == 200 for icon in manifest["icons"])

    def test_revalidated_not_refetched(self, served: Served) -> None:
        first = httpx.get(f"{served.url}/app/js/main.js")
        again = httpx.get(f"{served.url}/app/js/main.js", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""

    def test_nothing_else_is_served(self, served: Served) -> None:
        for path in (
            "/app/../pyproject.toml",
            "/app/%2e%2e/app_shell.py",
            "/app/js/",
            "/app/nothing.js",
            "/app/app_shell.py",
        ):
            answer = httpx.get(f"{served.url}{path}")
            assert answer.status_code == 404, path
        assert httpx.get(f"{served.url}/app", follow_redirects=False).headers["location"] == "/app/"


class TestSignIn:
    def test_a_wrong_key_is_refused_in_words(self, page: Any, served: Served) -> None:
        page.goto(f"{served.url}/app/")
        page.get_by_label("Khoá API").fill("ck_not_a_key")
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("alert").filter(has_text="không mở được tài khoản").wait_for()

    def test_the_key_opens_the_roles_screens_and_signing_out_forgets_it(self, page: Any, served: Served) -> None:
        sign_in(page, served, FARMER.key)
        assert FARMER.name in page.locator("#who").inner_text()
        assert FARMER.key not in page.url  # never in a URL
        assert page.evaluate("localStorage.getItem('cashew.key')") == FARMER.key
        page.get_by_role("button", name="Đăng xuất").click()
        page.get_by_label("Khoá API").wait_for()
        assert page.evaluate("localStorage.getItem('cashew.key')") is None

    def test_english_on_request(self, page: Any, served: Served) -> None:
        sign_in(page, served, FARMER.key)
        page.get_by_role("button", name="English").click()
        page.get_by_role("button", name="Sign out").wait_for()
        assert page.evaluate("document.documentElement.lang") == "en"
