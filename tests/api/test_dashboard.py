"""The public dashboard (SPEC §6.4): aggregate figures only, Vietnamese by default, nothing
loaded from elsewhere, sensible for an empty database."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import log_harvest, make_farm, make_party


def page(client: TestClient, query: str = "", **headers: str) -> str:
    response = client.get(f"/dashboard{query}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    html: str = response.text
    return html


class TestDashboard:
    def test_public_figures_in_vietnamese_by_default(self, client: TestClient, season: dict[str, Any]) -> None:
        html = page(client)
        assert '<html lang="vi">' in html and "mùa vụ 2026" in html
        for text in ("Bù Đăng", "Đồng Phú", "W320", "Bờ Biển Ngà", "Ghana", "Hà Lan", "3.000\u00a0kg", "750\u00a0kg"):
            assert text in html, text
        assert html.count("<svg") == 5 and "Chưa có số liệu" not in html

    def test_english_on_request(self, client: TestClient, season: dict[str, Any]) -> None:
        html = page(client, "?lang=en")
        assert '<html lang="en">' in html and "Harvest by district" in html and "Ivoire" in html
        assert "3,000\u00a0kg" in html and 'href="?season=2026&amp;lang=vi"' in html
        assert "Harvest by district" in page(client, **{"Accept-Language": "en-GB,en;q=0.9"})

    def test_no_personal_data_and_nothing_from_elsewhere(self, client: TestClient, season: dict[str, Any]) -> None:
        html = page(client)
        for name in ("Nguyễn Văn An", "Trần Thị Bình", "Công ty Chế biến Điều Bù Đăng", season["processor"]["id"]):
            assert name not in html
        assert "<script" not in html and " src=" not in html and "<link" not in html
        assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")

    def test_another_season_and_an_empty_one(self, client: TestClient, season: dict[str, Any]) -> None:
        assert "500\u00a0kg" in page(client, "?season=2025")
        empty = page(client, "?season=2019")
        assert empty.count("Chưa có số liệu cho mùa vụ này.") == 5

    def test_figures_follow_the_ledger(self, client: TestClient) -> None:
        farmer = make_party(client)
        assert "1.234\u00a0kg" not in page(client, "?season=2026")
        log_harvest(client, farmer, make_farm(client, farmer)["id"], quantity_kg=1234)
        assert "1.234\u00a0kg" in page(client, "?season=2026")  # a write grows the ledger: figures recomputed

    def test_an_empty_database(self, client: TestClient) -> None:
        make_party(client, role="regulator")
        assert page(client).count("Chưa có số liệu") == 5

    @pytest.mark.parametrize("query", ["?season=1999", "?season=abc"])
    def test_a_bad_season_is_422(self, client: TestClient, query: str) -> None:
        response = client.get(f"/dashboard{query}")
        assert response.status_code == 422 and response.json()["error"] == "invalid_input"
