"""The trader's screens of the app (SPEC §6.6): offers received, accepted or rejected; my listings
and contracts; shipments."""

from typing import Any

import pytest

from tests.app.api import call, items, ok
from tests.app.conftest import Served, sign_in

TRADER = "ck_demo_trader"
PROCESSOR = "ck_demo_processor"


@pytest.fixture(scope="module")
def listing(served: Served) -> dict[str, Any]:
    """100 kg of the processor's W320 kernel, sent to the demo trader, received and listed by it."""
    trader = ok(call(served, TRADER, "GET", "/api/v1/parties/me"))
    kernel = ok(call(served, PROCESSOR, "GET", "/api/v1/lots?held=true&status=held&product=kernel&grade=W320"))
    lot = kernel["items"][0]["lot_id"]
    sent = ok(
        call(
            served,
            PROCESSOR,
            "POST",
            f"/api/v1/lots/{lot}/dispatch",
            json={"to_party_id": trader["id"], "quantity_kg": 100},
        )
    )
    ok(call(served, TRADER, "POST", f"/api/v1/transfers/{sent['id']}/receive", json={"received_kg": 100}))
    terms = {"price": "3.10", "currency": "USD", "unit": "lb", "incoterm": "FOB", "port": "VNSGN"}
    return ok(
        call(served, TRADER, "POST", "/api/v1/listings", json={"lot_id": sent["lot_id"], "quantity_kg": 100, **terms})
    )


def offer(served: Served, listing: dict[str, Any], kg: int, price: str) -> dict[str, Any]:
    body = {"quantity_kg": kg, "price": price}
    return ok(call(served, PROCESSOR, "POST", f"/api/v1/listings/{listing['id']}/offers", json=body))


def status_of(served: Served, offer_id: str) -> str:
    offers = items(served, TRADER, "/api/v1/offers?side=seller&limit=500")
    return str(next(o["status"] for o in offers if o["id"] == offer_id))


class TestOffers:
    def test_the_trader_accepts_one_offer_and_rejects_another(
        self, page: Any, served: Served, listing: dict[str, Any]
    ) -> None:
        low, fair = offer(served, listing, 40, "2.80"), offer(served, listing, 30, "3.05")
        sign_in(page, served, TRADER)
        page.locator(f"li[data-offer='{fair['id']}']").wait_for()
        assert "3.05 USD/lb" in page.locator(f"li[data-offer='{fair['id']}']").inner_text()

        page.locator(f"li[data-offer='{low['id']}']").get_by_role("button", name="Từ chối").click()
        page.get_by_role("status").filter(has_text=f"Đã từ chối chào mua {low['id']}").wait_for()
        page.locator(f"li[data-offer='{fair['id']}']").get_by_role("button", name="Chấp nhận").click()
        page.get_by_role("status").filter(has_text="Đã chấp nhận: hợp đồng").wait_for()

        assert status_of(served, low["id"]) == "rejected" and status_of(served, fair["id"]) == "accepted"
        contracts = ok(call(served, TRADER, "GET", "/api/v1/contracts"))["items"]
        assert [c["quantity_kg"] for c in contracts if c["listing_id"] == listing["id"]] == [30]

    def test_an_offer_answered_elsewhere_is_refused_in_words(
        self, page: Any, served: Served, listing: dict[str, Any]
    ) -> None:
        made = offer(served, listing, 10, "3.00")
        sign_in(page, served, TRADER)
        item = page.locator(f"li[data-offer='{made['id']}']")
        item.wait_for()
        ok(call(served, TRADER, "POST", f"/api/v1/offers/{made['id']}/reject"))
        before = ok(call(served, TRADER, "GET", "/api/v1/contracts"))["items"]
        item.get_by_role("button", name="Chấp nhận").click()
        item.get_by_role("alert").filter(has_text="Chào giá này đã bị từ chối").wait_for()
        assert status_of(served, made["id"]) == "rejected"
        after = ok(call(served, TRADER, "GET", "/api/v1/contracts"))["items"]
        assert after == before  # the refused acceptance made no contract


class TestListingsAndShipments:
    def test_my_listings_and_contracts(self, page: Any, served: Served, listing: dict[str, Any]) -> None:
        sign_in(page, served, TRADER)
        page.get_by_role("link", name="Tin chào bán").click()
        item = page.locator(f"li[data-listing='{listing['id']}']")
        item.wait_for()
        assert "3.10 USD/lb · FOB VNSGN" in item.inner_text()
        assert page.locator("ul.listings li").count() == 1  # only mine, not the processor's
        assert page.locator("ul.contracts li").count() == len(
            ok(call(served, TRADER, "GET", "/api/v1/contracts"))["items"]
        )

    def test_shipments(self, page: Any, served: Served) -> None:
        shipments = ok(call(served, TRADER, "GET", "/api/v1/shipments"))["items"]
        sign_in(page, served, TRADER)
        page.get_by_role("link", name="Lô hàng xuất").click()
        page.locator("ul.shipments li, .empty").first.wait_for()
        assert page.locator("ul.shipments li").count() == len(shipments) > 0
        assert shipments[0]["container_no"] in page.locator("ul.shipments").inner_text()
