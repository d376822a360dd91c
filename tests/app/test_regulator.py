"""The regulator's screens of the app (SPEC §6.6): acknowledge an alert with a note, run the
integrity audit and read its report, record an inspection, recall a lot.

To refresh the committed screenshot: ``CASHEW_APP_REGULATOR_SCREENSHOT=docs/app-regulator-alerts.png
.venv/bin/pytest -p no:randomly tests/app/test_regulator.py``.
"""

import os
from pathlib import Path
from typing import Any

from tests.app.api import call, items, ok
from tests.app.conftest import ROOT, Served, sign_in

REGULATOR = "ck_demo_regulator"
PROCESSOR = "ck_demo_processor"
SCREENSHOT_ENV = "CASHEW_APP_REGULATOR_SCREENSHOT"


def waiting(served: Served) -> list[dict[str, Any]]:
    return items(served, REGULATOR, "/api/v1/oversight/alerts?acknowledged=false&limit=500")


class TestAlerts:
    def test_an_alert_is_acknowledged_with_its_note(self, page: Any, served: Served) -> None:
        alerts = waiting(served)
        sign_in(page, served, REGULATOR)
        page.locator("li.alert-item").first.wait_for()
        assert page.locator("li.alert-item").count() == len(alerts)
        if target := os.environ.get(SCREENSHOT_ENV):
            page.screenshot(path=str(Path(ROOT) / target))

        alert = next(a for a in alerts if a["kind"] == "plot_overlap")
        item = page.locator(f"li[data-alert='{alert['id']}']")
        assert "Ranh giới vườn chồng lấn" in item.inner_text()
        note = "Đã đo lại ranh giới tại thực địa; hai hộ thống nhất mốc mới."
        item.get_by_label("Ghi chú (đã kiểm tra gì, đã làm gì)").fill(note)
        item.get_by_role("button", name="Xác nhận đã xem").click()
        page.get_by_role("status").filter(has_text=f"Đã xác nhận cảnh báo {alert['id']}").wait_for()

        read = ok(call(served, REGULATOR, "GET", f"/api/v1/oversight/alerts/{alert['id']}"))
        assert read["acknowledgement"]["note"] == note
        assert [a["id"] for a in waiting(served)] == [a["id"] for a in alerts if a["id"] != alert["id"]]

    def test_a_note_is_required_and_a_second_acknowledgement_is_refused_in_words(
        self, page: Any, served: Served
    ) -> None:
        alert = waiting(served)[0]
        sign_in(page, served, REGULATOR)
        item = page.locator(f"li[data-alert='{alert['id']}']")
        item.get_by_role("button", name="Xác nhận đã xem").click()  # empty note: the browser asks for one
        assert ok(call(served, REGULATOR, "GET", f"/api/v1/oversight/alerts/{alert['id']}"))["acknowledgement"] is None

        elsewhere = {"note": "xác nhận từ máy khác"}
        ok(call(served, REGULATOR, "POST", f"/api/v1/oversight/alerts/{alert['id']}/acknowledge", json=elsewhere))
        item.get_by_label("Ghi chú (đã kiểm tra gì, đã làm gì)").fill("lần hai")
        item.get_by_role("button", name="Xác nhận đã xem").click()
        item.get_by_role("alert").filter(has_text="Cảnh báo này đã được xác nhận").wait_for()
        read = ok(call(served, REGULATOR, "GET", f"/api/v1/oversight/alerts/{alert['id']}"))
        assert read["acknowledgement"]["note"] == elsewhere["note"]

    def test_another_role_sees_no_regulators_screen(self, page: Any, served: Served) -> None:
        sign_in(page, served, PROCESSOR)
        assert page.get_by_role("link", name="Cảnh báo").count() == 0
        page.goto(f"{served.url}/app/#/alerts")
        page.locator("[data-screen=receive]").wait_for()  # its own first screen instead


class TestAudit:
    def test_the_audit_reports_each_problem(self, page: Any, served: Served) -> None:
        sign_in(page, served, REGULATOR)
        page.get_by_role("link", name="Kiểm toán sổ cái").click()
        page.get_by_role("button", name="Chạy kiểm toán").click()
        page.get_by_role("alert").filter(has_text="Tìm thấy").wait_for()
        report = ok(call(served, REGULATOR, "POST", "/api/v1/oversight/audits"))
        assert not report["clean"] and report["problems"]
        shown = page.locator("ul.problems li")
        assert shown.count() == len(report["problems"])
        first = report["problems"][0]
        assert f"Mục {first['ledger_index']} · {first['record_type']} {first['record_id']}" in shown.first.inner_text()


class TestInspectionsAndRecalls:
    def test_an_inspection_is_recorded_and_listed(self, page: Any, served: Served) -> None:
        party = ok(call(served, PROCESSOR, "GET", "/api/v1/parties/me"))["id"]
        sign_in(page, served, REGULATOR)
        page.goto(f"{served.url}/app/#/inspections?party={party}")
        page.locator("ul.inspections, .empty").first.wait_for()
        form = page.locator("form.inspection")
        form.get_by_label("Kết luận").select_option("conditional")
        form.get_by_label("Nội dung phát hiện").fill("Sổ cân chưa ghi đủ số lô đầu vào.")
        form.get_by_role("button", name="Lưu biên bản").click()
        page.get_by_role("status").filter(has_text="Đã lưu biên bản").wait_for()
        items = ok(call(served, REGULATOR, "GET", f"/api/v1/oversight/inspections?party_id={party}"))["items"]
        assert ("conditional", "Sổ cân chưa ghi đủ số lô đầu vào.") in [(i["result"], i["findings"]) for i in items]
        assert page.locator("ul.inspections li").count() == len(items)

    def test_an_unknown_party_is_refused_in_words(self, page: Any, served: Served) -> None:
        sign_in(page, served, REGULATOR)
        page.goto(f"{served.url}/app/#/inspections")
        form = page.locator("form.inspection")
        form.get_by_label("Mã bên được thanh tra").fill("P-NOSUCHPARTY")
        form.get_by_label("Nội dung phát hiện").fill("không có")
        form.get_by_role("button", name="Lưu biên bản").click()
        form.get_by_role("alert").wait_for()
        assert "object" not in form.get_by_role("alert").inner_text()

    def test_a_lot_is_recalled_and_its_holder_sees_it(self, page: Any, served: Served) -> None:
        lots = ok(call(served, PROCESSOR, "GET", "/api/v1/lots?held=true&status=held&product=kernel"))["items"]
        lot = lots[-1]["lot_id"]
        sign_in(page, served, REGULATOR)
        page.get_by_role("link", name="Thu hồi").click()
        form = page.locator("form.recall-form")
        form.get_by_label("Mã lô").fill("KRN26-NOSUCHLOT")
        form.get_by_label("Lý do (điều đã phát hiện)").fill("Mẫu lưu nhiễm aflatoxin.")
        form.get_by_role("button", name="Thu hồi").click()
        form.get_by_role("alert").wait_for()
        form.get_by_label("Mã lô").fill(lot)
        form.get_by_role("button", name="Thu hồi").click()
        page.get_by_role("status").filter(has_text=f"Đã thu hồi {lot}").wait_for()
        assert page.locator(f"ul.recalls li.recall >> text={lot}").count() >= 1
        mine = ok(call(served, PROCESSOR, "GET", "/api/v1/oversight/recalls"))["items"]
        assert any(r["lot_id"] == lot for r in mine)
        assert ok(call(served, PROCESSOR, "GET", f"/api/v1/lots/{lot}"))["status"] == "recalled"
