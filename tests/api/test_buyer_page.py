"""The buyer's page (SPEC §7): GET /01/{gtin}/10/{lot_id}, HTML in Vietnamese or English, JSON,
404 pages, no personal data, nothing loaded from elsewhere; and the lineage walk behind it."""

from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from tests.factories import BU_DANG, DONG_PHU, auth, deliver, log_harvest, make_farm, make_party, ok, square
from traceability import clock
from traceability.db import open_session, unit_of_work
from traceability.labels.gtin import gtin_for
from traceability.lots.lineage import ancestry
from traceability.parties.models import Party

# Distinctive personal data: none of it may appear on the page or in its JSON.
FARMERS = ("Zyxwanh Thị Quốc", "Điểu Văn Vorpalis", "Trần Quibbleton")
FARMS = ("Vườn điều Snarkhunt", "Rẫy điều Jabberwock", "Trang trại Bandersnatch")
COMMUNE = "Xã Tumtumtree"
PHONE = "0912 345 678"
SUPPLIER = "Abidjan Borogove Export SARL"
CUT_GOOD = {
    "sample_g": 1000,
    "nut_count": 180,
    "good_kernel_g": 280,
    "spotted_kernel_g": 10,
    "reject_kernel_g": 5,
    "moisture_pct": 9,
}  # 50.3 lbs, 180 nuts/kg
CUT_IMPORT = {
    "sample_g": 1000,
    "nut_count": 200,
    "good_kernel_g": 250,
    "spotted_kernel_g": 10,
    "reject_kernel_g": 8,
    "moisture_pct": 9,
}  # 45.0 lbs, 200 nuts/kg


# --- helpers: a labelled kernel lot built through the API, as the parties would ---------------------
def farm(
    client: TestClient,
    farmer: dict[str, Any],
    name: str,
    district: str,
    centre: tuple[float, float],
    area_ha: float = 5.0,
    **extra: Any,
) -> str:
    made = make_farm(
        client,
        farmer,
        name=name,
        district=district,
        commune=COMMUNE,
        area_ha=area_ha,
        geometry=square(*centre, area_ha),
        **extra,
    )
    farm_id: str = made["id"]
    return farm_id


def harvest(client: TestClient, farmer: dict[str, Any], farm_id: str, day: str, kg: float) -> str:
    made = log_harvest(client, farmer, farm_id, harvested_on=day, quantity_kg=kg, notes=f"gọi {PHONE}")
    lot_id: str = made["lot_id"]
    return lot_id


def import_lot(client: TestClient, processor: dict[str, Any], kg: float, country: str = "CI") -> str:
    body = {
        "quantity_kg": kg,
        "origin_country": country,
        "supplier": SUPPLIER,
        "container_no": "CSQU3054383",
        "documents": [],
    }
    made = ok(client.post("/api/v1/lots/import", json=body, headers=processor["headers"]))
    lot_id: str = made["lot_id"]
    return lot_id


def cutting_test(client: TestClient, processor: dict[str, Any], lot_id: str, test: dict[str, Any]) -> dict[str, Any]:
    return ok(client.post(f"/api/v1/lots/{lot_id}/quality-tests", json=test, headers=processor["headers"]))


def batch(
    client: TestClient,
    processor: dict[str, Any],
    inputs: list[tuple[str, float]],
    kernel_kg: float,
    grade: str = "W320",
) -> str:
    """Raw nuts into one kernel grade and shell; the kernel lot's id."""
    raw_kg = sum(kg for _, kg in inputs)
    body = {
        "inputs": [{"lot_id": lot_id, "quantity_kg": kg} for lot_id, kg in inputs],
        "outputs": [
            {"product": "kernel", "grade": grade, "quantity_kg": kernel_kg},
            {"product": "shell", "quantity_kg": round(raw_kg * 0.70, 3)},
        ],
    }
    made = ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))
    kernel_id: str = next(o["lot_id"] for o in made["outputs"] if o["product"] == "kernel")
    return kernel_id


def gtin(engine: Engine, processor: dict[str, Any], grade: str | None = "W320", product: str = "kernel") -> str:
    with unit_of_work(engine) as session:
        party = session.get(Party, processor["id"])
        assert party is not None
        return gtin_for(session, party=party, product=product, grade=grade)


def page(client: TestClient, gtin_: str, lot_id: str, **kwargs: Any) -> Any:
    return client.get(f"/01/{gtin_}/10/{lot_id}", **kwargs)


def as_json(client: TestClient, gtin_: str, lot_id: str, status: int = 200) -> dict[str, Any]:
    return ok(page(client, gtin_, lot_id, headers={"Accept": "application/json"}), status)


@dataclass
class Labelled:
    gtin: str
    lot_id: str
    processor: dict[str, Any]
    farmers: list[dict[str, Any]]
    farm_ids: list[str]


@pytest.fixture
def kernel(client: TestClient, engine: Engine) -> Labelled:
    """W320 from 3 farms in Bù Đăng and Đồng Phú (4 harvests, one split) and a Côte d'Ivoire import:
    1200 + 1000 + 800 + 500 kg domestic and 2500 kg imported raw nuts give 1440 kg of kernel."""
    processor = make_party(
        client,
        role="processor",
        name="Công ty TNHH Chế biến Điều Phú Riềng",
        district="phu-rieng",
        gs1_company_prefix="8935412",
    )
    farmers = [make_party(client, name=name) for name in FARMERS]
    farms = [
        farm(client, farmers[0], FARMS[0], "bu-dang", BU_DANG),
        farm(client, farmers[1], FARMS[1], "bu-dang", (BU_DANG[0] + 0.05, BU_DANG[1])),
        farm(client, farmers[2], FARMS[2], "dong-phu", DONG_PHU),
    ]
    h1 = harvest(client, farmers[0], farms[0], "2026-02-20", 1500)
    h2 = harvest(client, farmers[1], farms[1], "2026-03-10", 1000)
    h3 = harvest(client, farmers[2], farms[2], "2026-03-28", 800)
    h4 = harvest(client, farmers[0], farms[0], "2026-04-05", 500)
    s1 = deliver(client, farmers[0], processor, h1, 1200)  # a part: split off
    for farmer, lot_id, kg in ((farmers[1], h2, 1000), (farmers[2], h3, 800), (farmers[0], h4, 500)):
        deliver(client, farmer, processor, lot_id, kg)
    imported = import_lot(client, processor, 2500)
    cutting_test(client, processor, s1, CUT_GOOD)
    cutting_test(client, processor, imported, CUT_IMPORT)
    kernel_id = batch(client, processor, [(s1, 1200), (h2, 1000), (h3, 800), (h4, 500), (imported, 2500)], 1440)
    return Labelled(gtin(engine, processor), kernel_id, processor, farmers, farms)


def outturn(test: Mapping[str, float]) -> float:
    return (test["good_kernel_g"] + test["spotted_kernel_g"] / 2) / test["sample_g"] * 80 / 0.45359


# --- the page --------------------------------------------------------------------------------------
class TestLanguages:
    def test_vietnamese_by_default(self, client: TestClient, kernel: Labelled) -> None:
        response = page(client, kernel.gtin, kernel.lot_id)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-language"] == "vi"
        assert response.headers["vary"] == "Accept, Accept-Language"
        html = response.text
        assert '<html lang="vi">' in html and 'name="viewport"' in html
        for phrase in (
            "Hạt điều nhân",
            "W320",
            "Xuất xứ",
            "Ngày thu hoạch",
            "Nhà chế biến",
            "Chứng nhận",
            "Tỷ lệ thu hồi nhân (outturn)",
            "Số lô",
            "Bù Đăng",
            "Đồng Phú",
            "Bình Phước",
            "Đồng Nai",
            "Bờ Biển Ngà",
            "Từ 3 vườn điều",
            "20/02/2026",
            "05/04/2026",
            "1.440\u00a0kg",
            "Công ty TNHH Chế biến Điều Phú Riềng",
            kernel.lot_id,
            kernel.gtin,
            "/ledger/checkpoint",
        ):
            assert phrase in html, phrase

    def test_english_by_query(self, client: TestClient, kernel: Labelled) -> None:
        response = page(client, kernel.gtin, kernel.lot_id, params={"lang": "en"})
        assert response.status_code == 200 and response.headers["content-language"] == "en"
        assert '<html lang="en">' in response.text
        for phrase in (
            "Cashew kernels",
            "Origin",
            "Harvest dates",
            "Processor",
            "Kernel outturn",
            "Côte d&#39;Ivoire",
            "From 3 farms",
            "20 Feb 2026",
            "5 Apr 2026",
            "1,440\u00a0kg",
        ):
            assert phrase in response.text, phrase
        assert "Hạt điều nhân" not in response.text

    @pytest.mark.parametrize(
        ("header", "lang"),
        [
            ("en-US,en;q=0.9", "en"),
            ("fr-FR, en;q=0.5", "en"),
            ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
            ("de", "vi"),
            ("en;q=0", "vi"),
        ],
    )
    def test_accept_language(self, client: TestClient, kernel: Labelled, header: str, lang: str) -> None:
        response = page(client, kernel.gtin, kernel.lot_id, headers={"Accept-Language": header})
        assert response.headers["content-language"] == lang

    def test_the_query_wins_over_accept_language(self, client: TestClient, kernel: Labelled) -> None:
        response = page(client, kernel.gtin, kernel.lot_id, params={"lang": "vi"}, headers={"Accept-Language": "en"})
        assert response.headers["content-language"] == "vi" and "Hạt điều nhân" in response.text

    def test_a_browser_gets_html_and_needs_no_key(self, client: TestClient, kernel: Labelled) -> None:
        browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        response = page(client, kernel.gtin, kernel.lot_id, headers={"Accept": browser, "Authorization": "Bearer nope"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


class TestJson:
    def test_the_view(self, client: TestClient, kernel: Labelled) -> None:
        view = as_json(client, kernel.gtin, kernel.lot_id)
        assert {k: view[k] for k in ("gtin", "lot_id", "product", "grade", "quantity_kg", "element_string")} == {
            "gtin": kernel.gtin,
            "lot_id": kernel.lot_id,
            "product": "kernel",
            "grade": "W320",
            "quantity_kg": 1440.0,
            "element_string": f"(01){kernel.gtin}(10){kernel.lot_id}",
        }
        assert view["digital_link"] == f"http://testserver/01/{kernel.gtin}/10/{kernel.lot_id}"
        assert view["processor"] == {
            "name": "Công ty TNHH Chế biến Điều Phú Riềng",
            "role": "processor",
            "district": "Phú Riềng",
            "country": "VN",
        }
        assert view["certifications"] == [] and view["kernel_yield_pct"] == 24.0
        assert view["packed_on"] == clock.today().isoformat()  # the batch's day
        assert view["ledger"]["verified"] is True and [r["type"] for r in view["ledger"]["records"]] == ["batch"]
        assert view["ledger"]["provenance_url"] == f"http://testserver/api/v1/lots/{kernel.lot_id}/provenance"
        assert view["ledger"]["verify_command"] == f"cashew verify {view['ledger']['provenance_url']}"

    def test_origin_districts_farms_and_imports(self, client: TestClient, kernel: Labelled) -> None:
        origin = as_json(client, kernel.gtin, kernel.lot_id)["origin"]
        # 3500 of 6000 kg domestic (2700 Bù Đăng, 800 Đồng Phú), 2500 kg from Côte d'Ivoire.
        assert [(c["code"], c["share_pct"], c["imported"]) for c in origin["countries"]] == [
            ("VN", 58.3, False),
            ("CI", 41.7, True),
        ]
        assert sum(c["share_pct"] for c in origin["countries"]) == pytest.approx(100, abs=1e-9)
        vietnam = origin["vietnam"]
        assert [(d["name"], d["share_pct"]) for d in vietnam["districts"]] == [("Bù Đăng", 45.0), ("Đồng Phú", 13.3)]
        assert sum(d["share_pct"] for d in vietnam["districts"]) == pytest.approx(vietnam["share_pct"], abs=1e-9)
        assert vietnam["farms"] == 3
        assert (vietnam["legacy_province"], vietnam["current_province"]) == ("Bình Phước", "Đồng Nai")

    def test_harvest_dates_and_imports(self, client: TestClient, kernel: Labelled) -> None:
        view = as_json(client, kernel.gtin, kernel.lot_id)
        assert view["harvest"] == {"first_on": "2026-02-20", "last_on": "2026-04-05", "harvests": 4}
        assert [(c["code"], c["name"]) for c in view["imports"]] == [("CI", "Côte d'Ivoire")]

    def test_outturn_is_weighted_by_the_mass_of_the_tested_raw_nuts(self, client: TestClient, kernel: Labelled) -> None:
        raw = as_json(client, kernel.gtin, kernel.lot_id)["raw_nuts"]
        expected = (1200 * outturn(CUT_GOOD) + 2500 * outturn(CUT_IMPORT)) / 3700
        assert raw["outturn_lbs"] == round(expected, 1)
        assert raw["nut_count_per_kg"] == round((1200 * 180 + 2500 * 200) / 3700)
        assert raw["kernel_recovery_pct"] == pytest.approx(expected * 0.45359 / 80 * 100, abs=0.06)
        assert raw["tested_share_pct"] == round(3700 / 6000 * 100, 1)

    def test_untested_raw_nuts_and_a_harvest_correction(self, client: TestClient, engine: Engine) -> None:
        processor = make_party(client, role="processor", gs1_company_prefix="8935413")
        farmer = make_party(client)
        lot_id = harvest(client, farmer, farm(client, farmer, "Vườn A", "bu-gia-map", BU_DANG), "2026-03-01", 1000)
        fix = {
            "entry_id": _harvest_id(client, farmer, lot_id),
            "changes": {"harvested_on": "2026-03-03"},
            "reason": "ghi nhầm ngày",
        }
        ok(client.post("/api/v1/corrections", json=fix, headers=farmer["headers"]))
        deliver(client, farmer, processor, lot_id, 1000)
        kernel_id = batch(client, processor, [(lot_id, 1000)], 250, grade="W240")
        view = as_json(client, gtin(engine, processor, "W240"), kernel_id)
        assert view["raw_nuts"] is None and view["harvest"]["first_on"] == "2026-03-03"
        assert view["origin"]["vietnam"]["districts"] == [
            {"code": "bu-gia-map", "name": "Bù Gia Mập", "share_pct": 100.0}
        ]
        html = page(client, gtin(engine, processor, "W240"), kernel_id).text
        assert "Chưa kiểm tra" in html and "Bù Gia Mập" in html and "03/03/2026" in html

    def test_certifications_survive_when_every_input_carries_them(self, client: TestClient, engine: Engine) -> None:
        processor = make_party(client, role="processor", gs1_company_prefix="8935414")
        farmer = make_party(client)
        cert = [{"scheme": "vietgap", "certificate_no": "VG-1", "valid_from": "2025-01-01", "valid_to": "2027-12-31"}]
        lot_id = harvest(
            client,
            farmer,
            farm(client, farmer, "Vườn B", "phu-rieng", BU_DANG, certifications=cert),
            "2026-03-01",
            1000,
        )
        deliver(client, farmer, processor, lot_id, 1000)
        kernel_id = batch(client, processor, [(lot_id, 1000)], 250)
        assert as_json(client, gtin(engine, processor), kernel_id)["certifications"] == ["vietgap"]
        assert '<li class="badge">VietGAP</li>' in page(client, gtin(engine, processor), kernel_id).text

    def test_a_part_sold_on_keeps_the_lots_story(self, client: TestClient, kernel: Labelled) -> None:
        trader = make_party(client, role="trader")
        sold = deliver(client, kernel.processor, trader, kernel.lot_id, 400)  # split off, then received
        view, whole = as_json(client, kernel.gtin, sold), as_json(client, kernel.gtin, kernel.lot_id)
        assert sold != kernel.lot_id and view["quantity_kg"] == 400.0
        for part in ("origin", "harvest", "raw_nuts", "certifications"):
            assert view[part] == whole[part], part
        assert view["processor"]["name"] == "Công ty TNHH Chế biến Điều Phú Riềng"
        assert [r["type"] for r in view["ledger"]["records"]] == ["split", "batch"] and view["ledger"]["verified"]

    def test_a_record_rewritten_behind_the_apps_back_fails_the_ledger_check(
        self, client: TestClient, engine: Engine, kernel: Labelled
    ) -> None:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE batch SET loss_g = loss_g + 1000 WHERE id = "
                    "(SELECT created_by_id FROM lot WHERE lot_id = :lot_id)"
                ),
                {"lot_id": kernel.lot_id},
            )
        ledger = as_json(client, kernel.gtin, kernel.lot_id)["ledger"]
        assert ledger["verified"] is False
        assert ledger["problem"].startswith("batch B-") and "is not the entry logged at index" in ledger["problem"]
        html = page(client, kernel.gtin, kernel.lot_id).text
        assert "Chưa đối chiếu được với sổ cái" in html and "Đã đối chiếu với sổ cái công khai" not in html
        assert "is not the entry logged at index" in html  # what failed, not only that it failed

    def test_imported_raw_nuts_labelled_as_such(self, client: TestClient, engine: Engine) -> None:
        trader = make_party(
            client, role="trader", name="Công ty CP Thương mại Điều Chơn Thành", gs1_company_prefix="8935416"
        )
        lot_id = import_lot(client, trader, 26000, country="KH")
        cutting_test(client, trader, lot_id, CUT_IMPORT)
        gtin_ = gtin(engine, trader, None, "rcn")
        view = as_json(client, gtin_, lot_id)
        assert (view["product"], view["grade"], view["quantity_kg"]) == ("rcn", None, 26000.0)
        assert view["origin"] == {
            "countries": [{"code": "KH", "name": "Cambodia", "share_pct": 100.0, "imported": True}],
            "vietnam": None,
        }
        assert view["harvest"] is None and view["kernel_yield_pct"] is None
        assert view["raw_nuts"]["outturn_lbs"] == round(outturn(CUT_IMPORT), 1)
        assert view["processor"] == {
            "name": "Công ty CP Thương mại Điều Chơn Thành",
            "role": "trader",
            "district": None,
            "country": "VN",
        }
        assert [r["type"] for r in view["ledger"]["records"]] == ["import"] and view["ledger"]["verified"]
        html = page(client, gtin_, lot_id).text
        assert "Hạt điều thô" in html and "Campuchia" in html and "Doanh nghiệp thương mại" in html
        assert "Ngày thu hoạch" not in html and "Nhà chế biến" not in html

    def test_a_gtin_may_be_given_without_its_leading_zero(self, client: TestClient, kernel: Labelled) -> None:
        assert as_json(client, kernel.gtin[1:], kernel.lot_id)["gtin"] == kernel.gtin


def _harvest_id(client: TestClient, farmer: dict[str, Any], lot_id: str) -> str:
    lot = ok(client.get(f"/api/v1/lots/{lot_id}", headers=farmer["headers"]), 200)
    harvest_id: str = lot["created_by"]["id"]
    return harvest_id


class TestNotFound:
    def unknown_pairs(self, client: TestClient, engine: Engine, kernel: Labelled) -> list[tuple[str, str]]:
        other = make_party(client, role="processor", gs1_company_prefix="8935499")
        return [
            (kernel.gtin, "KRN26-NOSUCHLOT"),  # unknown lot
            ("08935412999999", kernel.lot_id),  # unknown GTIN (a valid check digit: a wrong one is a 400)
            (gtin(engine, kernel.processor, "W240"), kernel.lot_id),  # the processor's GTIN for another grade
            (gtin(engine, kernel.processor, None, "shell"), kernel.lot_id),  # … for another product
            (gtin(engine, other, "W320"), kernel.lot_id),  # another processor's W320
        ]

    def test_html(self, client: TestClient, engine: Engine, kernel: Labelled) -> None:
        for gtin_, lot_id in self.unknown_pairs(client, engine, kernel):
            response = page(client, gtin_, lot_id)
            assert response.status_code == 404, (gtin_, lot_id)
            assert response.headers["content-type"].startswith("text/html")
            assert "Không tìm thấy sản phẩm" in response.text and response.headers["content-language"] == "vi"
        english = page(client, kernel.gtin, "KRN26-NOSUCHLOT", params={"lang": "en"})
        assert english.status_code == 404 and "Product not found" in english.text

    def test_json(self, client: TestClient, engine: Engine, kernel: Labelled) -> None:
        for gtin_, lot_id in self.unknown_pairs(client, engine, kernel):
            body = as_json(client, gtin_, lot_id, 404)
            assert body["error"] == "not_found" and body["detail"], body

    def test_traceability_link_type_redirects_to_the_bundle(self, client: TestClient, kernel: Labelled) -> None:
        response = page(
            client, kernel.gtin, kernel.lot_id, params={"linkType": "gs1:traceability"}, follow_redirects=False
        )
        assert response.status_code == 307
        assert response.headers["location"] == f"http://testserver/api/v1/lots/{kernel.lot_id}/provenance"
        unknown = page(
            client, kernel.gtin, "KRN26-NOSUCHLOT", params={"linkType": "gs1:traceability"}, follow_redirects=False
        )
        assert unknown.status_code == 404


class TestPrivacyAndResources:
    def test_no_personal_data_anywhere(self, client: TestClient, kernel: Labelled) -> None:
        bodies = [
            page(client, kernel.gtin, kernel.lot_id).text,
            page(client, kernel.gtin, kernel.lot_id, params={"lang": "en"}).text,
            page(client, kernel.gtin, kernel.lot_id, headers={"Accept": "application/json"}).text,
        ]
        secrets = [
            *FARMERS,
            *FARMS,
            COMMUNE,
            "Tumtumtree",
            PHONE,
            "0912",
            SUPPLIER,
            *kernel.farm_ids,
            *(f["id"] for f in kernel.farmers),
            *(f["api_key"] for f in kernel.farmers),
            kernel.processor["id"],
        ]
        for body in bodies:
            found = [s for s in secrets if s.lower() in body.lower()]
            assert found == []
        assert '"price' not in bodies[2]

    def test_nothing_is_loaded_from_elsewhere(self, client: TestClient, kernel: Labelled) -> None:
        response = page(client, kernel.gtin, kernel.lot_id)
        links = LinkCollector.of(response.text)
        assert links, "the page should link to the ledger"
        for name, url in links:
            assert url.startswith(("/", "?", "#")) or url.startswith("http://testserver/"), (name, url)
            assert not url.startswith("//"), (name, url)
        assert "url(" not in response.text and "@import" not in response.text
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "style-src 'sha256-" in csp


class LinkCollector(HTMLParser):
    """Every attribute that makes a browser fetch or navigate: src, href, action, srcset, poster, data."""

    ATTRS = {"src", "href", "action", "srcset", "poster", "data", "formaction", "xlink:href"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(f"{tag}[{k}]", v or "") for k, v in attrs if k in self.ATTRS]

    @classmethod
    def of(cls, html: str) -> list[tuple[str, str]]:
        parser = cls()
        parser.feed(html)
        return parser.found


# --- the lineage walk ------------------------------------------------------------------------------
class TestLineage:
    def test_roots_shares_and_drawn_mass(self, engine: Engine, kernel: Labelled) -> None:
        with open_session(engine) as session:
            lineage = ancestry(session, kernel.lot_id)
        roots = {(r.lot.created_by_type, round(r.share, 6), r.drawn_g) for r in lineage.roots}
        assert roots == {
            ("import", round(2500 / 6000, 6), 2_500_000),
            ("harvest", 0.2, 1_200_000),
            ("harvest", round(1000 / 6000, 6), 1_000_000),
            ("harvest", round(800 / 6000, 6), 800_000),
            ("harvest", round(500 / 6000, 6), 500_000),
        }
        assert sum(r.share for r in lineage.roots) == pytest.approx(1)
        assert len(lineage.ancestors) == 6  # 5 batch inputs and the harvest lot the split came from
        assert {lot.product for lot in lineage.inputs_of("rcn")} == {"rcn"} and len(lineage.inputs_of("rcn")) == 5
        assert lineage.nearest("batch") == lineage.lot

    def test_one_query_per_generation_whatever_the_number_of_lots(self, client: TestClient, engine: Engine) -> None:
        processor = make_party(client, role="processor", gs1_company_prefix="8935415")
        trader = make_party(client, role="trader")
        farmer = make_party(client)
        farm_id = farm(client, farmer, "Vườn C", "dong-phu", DONG_PHU, area_ha=20.0)
        lots = [
            deliver(client, farmer, processor, harvest(client, farmer, farm_id, f"2026-03-{d:02d}", 1000), 600)
            for d in range(1, 13)
        ]  # 12 harvests, each split before it travels
        kernel_id = batch(client, processor, [(lot_id, 600) for lot_id in lots], 1800)
        sold = deliver(client, processor, trader, kernel_id, 1000)  # a part of the kernel: split again
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            with open_session(engine) as session:
                lineage = ancestry(session, sold)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        # sold <- kernel <- 12 splits <- 12 harvests: 3 generations, 4 walks (the last finds no parents) + the lot.
        assert len(lineage.ancestors) == 25 and max(a.generation for a in lineage.ancestors.values()) == 3
        assert len([s for s in statements if "lot_parent" in s]) == 4 and len(statements) <= 6
        assert [round(r.share, 6) for r in lineage.roots] == [round(1 / 12, 6)] * 12
        assert {r.drawn_g for r in lineage.roots} == {600_000}


def test_no_key_is_needed_and_a_bad_one_is_ignored(client: TestClient, kernel: Labelled) -> None:
    assert client.get(f"/01/{kernel.gtin}/10/{kernel.lot_id}").status_code == 200
    assert client.get(f"/01/{kernel.gtin}/10/{kernel.lot_id}", headers=auth("not-a-key")).status_code == 200


def test_the_ledger_check_names_the_signing_key(client: TestClient, kernel: Labelled) -> None:
    """The page shows the key id of the checkpoint it checked against, the one `cashew verify` reports."""
    from ledger.checkpoint import Verifier

    key_id = Verifier.from_vkey(client.get("/ledger/key").json()["vkey"]).key_id.hex()
    assert as_json(client, kernel.gtin, kernel.lot_id)["ledger"]["key_id"] == key_id
    assert key_id in page(client, kernel.gtin, kernel.lot_id).text
