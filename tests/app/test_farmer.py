"""The farmer's screens (SPEC §6.6): a harvest logged online, offline (kept on the device,
the app reopened from its service worker, sent when the connection returns), after a lost
answer (sent again with the same Idempotency-Key), and refused; farms with their plot; a lot
sent to a processor and where it went. Each checked through the API with the farmer's key.

To refresh the committed screenshot: ``CASHEW_FARMER_SCREENSHOT=docs/app-farmer-waiting.png
.venv/bin/pytest -p no:randomly tests/app/test_farmer.py -k offline``.
"""

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from seeds.demo_data import DEMO_PARTIES
from tests.app.conftest import ROOT, Served, Watched, sign_in

FARMER = next(p for p in DEMO_PARTIES if p.key == "ck_demo_farmer_hung")
PROCESSOR = next(p for p in DEMO_PARTIES if p.key == "ck_demo_processor")
SMALL_FARM = "Vườn điều Đức Liễu – lô nhà"  # 2.4 ha
SCREENSHOT_ENV = "CASHEW_FARMER_SCREENSHOT"
# What Chromium logs for a request that never reached the server (or lost its answer): the
# tests cut the connection on purpose, and the app shows it in words.
NO_CONNECTION = re.compile(r"net::ERR_(INTERNET_DISCONNECTED|FAILED)")


def as_farmer(served: Served, path: str) -> Any:
    answer = httpx.get(f"{served.url}{path}", headers={"Authorization": f"Bearer {FARMER.key}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def harvests(served: Served, quantity: str, day: str) -> list[dict[str, Any]]:
    """The farmer's harvests of ``quantity`` kg on ``day``, through the API."""
    found, cursor = [], None
    while True:
        page = as_farmer(
            served, f"/api/v1/harvests?season={day[:4]}&limit=500" + (f"&cursor={cursor}" if cursor else "")
        )
        found += [
            h for h in page["items"] if Decimal(str(h["quantity_kg"])) == Decimal(quantity) and h["harvested_on"] == day
        ]
        if not (cursor := page["next_cursor"]):
            return found


def today(page: Any) -> str:
    return str(page.evaluate("new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10)"))


def log_harvest(page: Any, quantity: str) -> None:
    page.locator("select[name=farm_id]").select_option(label=SMALL_FARM)
    page.get_by_label("Khối lượng (kg)").fill(quantity)
    page.get_by_role("button", name="Ghi", exact=True).click()


def ready_offline(page: Any) -> None:
    """The service worker active and in control: the app can open with no connection."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def forgive_lost_connections(watched: Watched) -> None:
    watched.errors[:] = [e for e in watched.errors if not NO_CONNECTION.search(e)]


def answer_confirm(page: Any, answer: bool) -> None:
    """The next ``window.confirm`` answered ``answer``, and its question kept for ``asked``: a page's own
    stand-in rather than the browser's dialog, whose handling races the page when the machine is busy."""
    page.evaluate(
        "(answer) => { window.confirm = (question) => { window.__asked = question; return answer; }; }", answer
    )


def asked(page: Any) -> str:
    page.wait_for_function("() => window.__asked !== undefined")  # the app asks once its handler runs
    question: str = page.evaluate("window.__asked")
    return question


class TestHarvest:
    def test_logged_online_is_recorded_once(self, page: Any, served: Served) -> None:
        sign_in(page, served, FARMER.key)
        log_harvest(page, "11.7")
        page.locator(".ok").filter(has_text="Đã ghi").wait_for()
        assert len(harvests(served, "11.7", today(page))) == 1
        assert page.locator(".outbox h2").count() == 0  # nothing waits

    def test_logged_offline_waits_survives_a_reload_and_is_sent_once(
        self, page: Any, context: Any, served: Served, watched: Watched
    ) -> None:
        sign_in(page, served, FARMER.key)
        page.get_by_label("Khối lượng (kg)").wait_for()  # the farms were read (and kept)
        ready_offline(page)
        context.set_offline(True)
        log_harvest(page, "12.9")
        page.get_by_text("Đã lưu trên máy").wait_for()
        page.get_by_role("heading", name="Đang chờ gửi (1)").wait_for()
        day = today(page)
        assert harvests(served, "12.9", day) == []

        # Signing out would lose it: the app asks, and "no" keeps everything.
        answer_confirm(page, False)
        page.get_by_role("button", name="Đăng xuất").click()
        assert "1" in asked(page)
        page.get_by_role("heading", name="Đang chờ gửi (1)").wait_for()
        assert page.evaluate("localStorage.getItem('cashew.key')") == FARMER.key

        page.reload(wait_until="domcontentloaded")  # with no connection: the app comes from its service worker
        waiting = page.locator(".waiting-item")
        waiting.filter(has_text="12,9").wait_for()
        assert waiting.count() == 1
        assert page.locator("select[name=farm_id]").locator("option").count() >= 2  # the kept farms
        if target := os.environ.get(SCREENSHOT_ENV):
            page.screenshot(path=str(Path(ROOT) / target), full_page=True)
        assert harvests(served, "12.9", day) == []

        context.set_offline(False)
        page.get_by_role("heading", name="Đang chờ gửi (1)").wait_for(state="detached")
        assert len(harvests(served, "12.9", day)) == 1
        page.reload()  # opening again sends nothing more
        page.get_by_label("Khối lượng (kg)").wait_for()
        assert page.locator(".waiting-item").count() == 0
        assert len(harvests(served, "12.9", day)) == 1
        forgive_lost_connections(watched)

    def test_a_lost_answer_is_retried_with_the_same_key_and_recorded_once(
        self, page: Any, served: Served, watched: Watched
    ) -> None:
        sign_in(page, served, FARMER.key)
        committed = []

        def lose_the_answer(route: Any) -> None:
            committed.append(route.fetch().status)  # the server records it...
            route.abort()  # ...but the page never hears back

        page.route("**/api/v1/harvests", lose_the_answer)
        log_harvest(page, "13.3")
        page.get_by_role("heading", name="Đang chờ gửi (1)").wait_for()
        day = today(page)
        assert committed == [201] and len(harvests(served, "13.3", day)) == 1

        page.unroute("**/api/v1/harvests")
        page.get_by_role("button", name="Gửi ngay").click()
        page.get_by_role("heading", name="Đang chờ gửi (1)").wait_for(state="detached")
        assert len(harvests(served, "13.3", day)) == 1
        forgive_lost_connections(watched)

    def test_a_refusal_is_shown_in_words_and_nothing_is_recorded(self, page: Any, served: Served) -> None:
        sign_in(page, served, FARMER.key)
        log_harvest(page, "12000")  # 5 t/ha on 2.4 ha: impossible
        page.locator(".answer").get_by_role("alert").filter(has_text="vượt 4 tấn/ha").wait_for()
        item = page.locator(".waiting-item.refused")
        assert item.count() == 1 and "Bị từ chối" in item.inner_text()
        assert harvests(served, "12000", today(page)) == []
        answer_confirm(page, True)
        item.get_by_role("button", name="Bỏ").click()
        assert "12" in asked(page)
        item.wait_for(state="detached")
        assert harvests(served, "12000", today(page)) == []


class TestFarmsAndLots:
    def test_each_farm_with_its_plot_drawn(self, page: Any, served: Served) -> None:
        farms = as_farmer(served, "/api/v1/farms")["items"]
        sign_in(page, served, FARMER.key)
        page.get_by_role("link", name="Vườn của tôi").click()
        for farm in farms:
            card = page.locator(f'li[data-farm="{farm["id"]}"]')
            card.get_by_text(farm["name"]).wait_for()
            drawn = card.get_by_role("img")
            if farm["geometry"]["type"] == "Point":
                assert card.locator("path.plot-pin").count() == 1
                assert "Vị trí vườn" in (drawn.get_attribute("aria-label") or "")
            else:
                outline = card.locator("path.plot-outline").get_attribute("d") or ""
                corners = len(farm["geometry"]["coordinates"][0])
                assert outline.startswith("M") and outline.count("L") == corners - 1
                assert f"{farm['computed_area_ha']} ha" in (drawn.get_attribute("aria-label") or "")
        assert {f["geometry"]["type"] for f in farms} == {"Point", "Polygon"}

    def test_part_of_a_lot_is_sent_to_a_processor_and_traced(self, page: Any, served: Served) -> None:
        farm_id = next(f["id"] for f in as_farmer(served, "/api/v1/farms")["items"] if f["name"] == SMALL_FARM)
        logged = httpx.post(
            f"{served.url}/api/v1/harvests",
            headers={"Authorization": f"Bearer {FARMER.key}"},
            json={"farm_id": farm_id, "harvested_on": "2026-03-02", "quantity_kg": 14.5},
        )
        assert logged.status_code == 201, logged.text
        lot = logged.json()["lot_id"]
        processor = httpx.get(
            f"{served.url}/api/v1/parties/me", headers={"Authorization": f"Bearer {PROCESSOR.key}"}
        ).json()["id"]

        sign_in(page, served, FARMER.key)
        page.get_by_role("link", name="Lô hàng", exact=True).click()
        page.locator(f'.lots-held li[data-lot="{lot}"]').get_by_role("link", name="Gửi cho nhà chế biến").click()
        page.get_by_label("Mã bên nhận").fill("P-NOBODY")
        page.get_by_label("Khối lượng gửi (kg)").fill("5")
        page.get_by_role("button", name="Gửi cho nhà chế biến").click()
        page.get_by_role("alert").filter(has_text="P-NOBODY").wait_for()  # refused in words

        page.get_by_label("Mã bên nhận").fill(processor)
        page.get_by_role("button", name="Gửi cho nhà chế biến").click()
        page.locator(".ok").filter(has_text="Đã gửi 5").wait_for()
        trace = as_farmer(served, f"/api/v1/lots/{lot}/trace?direction=forward")
        sent = [e for e in trace["edges"] if e["kind"] == "dispatch"]
        # once, and the bad recipient recorded nothing
        assert [(e["to_party_id"], Decimal(str(e["quantity_kg"]))) for e in sent] == [(processor, Decimal(5))]
        assert Decimal(str(as_farmer(served, f"/api/v1/lots/{lot}")["quantity_kg"])) == Decimal("9.5")

        page.get_by_role("link", name="Hạt đã đi đâu").click()
        step = page.locator(".trace-steps li.dispatch")
        step.first.wait_for()
        assert f"Gửi 5 kg từ bạn cho {processor}: đang trên đường" in step.first.inner_text().replace("\xa0", " ")

        page.get_by_role("link", name="← Lô hàng").click()  # the recipient is remembered for the next lot
        page.locator(f'.lots-held li[data-lot="{lot}"]').get_by_role("link", name="Gửi cho nhà chế biến").click()
        assert page.get_by_label("Mã bên nhận").input_value() == processor
