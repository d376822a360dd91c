"""Labels (SPEC §6.2, §7): GTINs, the Digital Link in the QR code, PNG/SVG/PDF, sheets, the
``label`` entry of a lot's first printing, who may print, and the ``cashew labels`` command."""

import io
import json
import os
import random
import re
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import qrcode
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select
from sqlmodel import col
from stdnum import ean

from tests.conftest import ROOT
from tests.factories import Party, ledger_size, log_harvest, make_farm, make_party, ok, table_counts
from traceability.anchoring import SqlLog
from traceability.db import open_session
from traceability.labels import render_layout, render_pdf, render_png
from traceability.labels.models import Label
from traceability.labels.render import Fonts, fonts, label_png, label_svg, labels_pdf
from traceability.labels.render_qr import qr_modules
from traceability.labels.service import LabelData
from traceability.settings import Settings

PREFIX = "8935012"  # GS1 Vietnam (893) + a company
CONTAINER = "CSQU3054383"
ORGANIC = [{"scheme": "organic-eu", "certificate_no": "EU-ORG-1", "valid_from": "2025-01-01", "valid_to": "2027-12-31"}]
CASHEW = str(Path(sys.executable).parent / "cashew")


# --- a processor holding kernel lots, built through the API -----------------------------
def imported(client: TestClient, party: Party, quantity_kg: float = 26000) -> str:
    body = {
        "quantity_kg": quantity_kg,
        "origin_country": "CI",
        "supplier": "Abidjan Cashew Export SA",
        "container_no": CONTAINER,
        "documents": [],
    }
    lot_id: str = ok(client.post("/api/v1/lots/import", json=body, headers=party["headers"]))["lot_id"]
    return lot_id


def domestic(client: TestClient, processor: Party, quantity_kg: float = 1000, **farm: Any) -> str:
    """A farmer's harvest, dispatched to and received by the processor."""
    farmer = make_party(client, "farmer")
    lot_id = log_harvest(client, farmer, make_farm(client, farmer, **farm)["id"], quantity_kg=quantity_kg)["lot_id"]
    transfer = ok(
        client.post(
            f"/api/v1/lots/{lot_id}/dispatch",
            json={"to_party_id": processor["id"], "quantity_kg": quantity_kg},
            headers=farmer["headers"],
        )
    )
    ok(
        client.post(
            f"/api/v1/transfers/{transfer['id']}/receive",
            json={"received_kg": quantity_kg},
            headers=processor["headers"],
        ),
        200,
    )
    received: str = transfer["lot_id"]
    return received


def kernel_lots(
    client: TestClient,
    processor: Party,
    grades: tuple[str, ...] = ("W320",),
    inputs: list[tuple[str, float]] | None = None,
) -> list[str]:
    """Kernel lots of these grades from one batch: a quarter of the raw nuts, the rest mostly shell."""
    inputs = inputs or [(imported(client, processor), 1000.0)]
    raw_kg = sum(q for _, q in inputs)
    each = round(raw_kg * 0.25 / len(grades), 3)
    outputs = [{"product": "kernel", "grade": g, "quantity_kg": each} for g in grades]
    body = {
        "inputs": [{"lot_id": i, "quantity_kg": q} for i, q in inputs],
        "outputs": [*outputs, {"product": "shell", "quantity_kg": round(raw_kg * 0.70, 3)}],
    }
    made = ok(client.post("/api/v1/batches", json=body, headers=processor["headers"]))["outputs"]
    return [o["lot_id"] for o in made if o["product"] == "kernel"]


def fetch(client: TestClient, path: str, party: Party, **params: str) -> httpx.Response:
    """A label or sheet the party may print (200)."""
    response: httpx.Response = client.get(path, params=params, headers=party["headers"])
    assert response.status_code == 200, response.text
    return response


def label_row(engine: Engine, lot_id: str) -> Label | None:
    with open_session(engine) as session:
        return session.scalars(select(Label).where(col(Label.lot_id) == lot_id)).first()


def the_label(engine: Engine, lot_id: str) -> Label:
    """The lot's label row, which its first printing wrote."""
    with open_session(engine) as session:
        return session.scalars(select(Label).where(col(Label.lot_id) == lot_id)).one()


def svg_text(response: Any) -> str:
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


def printed(text: str) -> str:
    """How the label prints a text: as is with a Vietnamese font, folded to ASCII without one."""
    return fonts().printable(text)


def pdf_pages(body: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", body))


@pytest.fixture
def processor(client: TestClient) -> Party:
    return make_party(client, "processor", gs1_company_prefix=PREFIX, name="Công ty Chế biến Điều Bình Phước")


@pytest.fixture
def kernel(client: TestClient, processor: Party) -> str:
    return kernel_lots(client, processor)[0]


class TestGtin:
    def test_gtin14_has_a_valid_check_digit_and_the_party_prefix(
        self, client: TestClient, engine: Engine, processor: Party, kernel: str
    ) -> None:
        fetch(client, f"/api/v1/lots/{kernel}/label.png", processor)
        gtin = the_label(engine, kernel).gtin
        assert len(gtin) == 14 and gtin.isdigit() and ean.is_valid(gtin)
        assert gtin.startswith("0" + PREFIX)

    def test_one_gtin_per_product_and_grade(self, client: TestClient, engine: Engine, processor: Party) -> None:
        a, b, c = kernel_lots(client, processor, ("W320", "W320", "W240"))
        for lot_id in (a, b, c):
            fetch(client, f"/api/v1/lots/{lot_id}/label.svg", processor)
        gtins = [the_label(engine, lot_id).gtin for lot_id in (a, b, c)]
        assert gtins[0] == gtins[1] != gtins[2]
        assert all(ean.is_valid(g) for g in gtins)


class TestFormats:
    def test_png_is_300_dpi_and_its_qr_code_is_the_digital_link(
        self, client: TestClient, settings: Settings, processor: Party, kernel: str, engine: Engine
    ) -> None:
        response = fetch(client, f"/api/v1/lots/{kernel}/label.png", processor)
        assert response.headers["content-type"] == "image/png"
        assert f'filename="label-{kernel}.png"' in response.headers["content-disposition"]
        image = Image.open(io.BytesIO(response.content))
        assert image.size == (1181, 591)
        assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
        gtin = the_label(engine, kernel).gtin
        codes = zxingcpp.read_barcodes(image)
        assert [c.text for c in codes] == [f"{settings.public_base_url}/01/{gtin}/10/{kernel}"]
        assert codes[0].format == zxingcpp.BarcodeFormat.QRCode

    def test_svg_is_xml_with_the_element_string_and_the_facts_for_people(
        self, client: TestClient, engine: Engine, processor: Party, kernel: str
    ) -> None:
        response = client.get(f"/api/v1/lots/{kernel}/label.svg", headers=processor["headers"])
        assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
        text = svg_text(response)
        gtin = the_label(engine, kernel).gtin
        for fact in (
            f"(01){gtin}(10){kernel}",
            "Cashew kernels W320",
            printed("Hạt điều nhân W320"),
            "22.68 kg (50 lb)",
            f"Lot: {kernel}",
            printed("Origin: Côte d'Ivoire 100%"),
            printed("Processor: Công ty Chế biến Điều Bình Phước"),
            "Packed: ",
        ):
            assert fact in text, fact

    def test_pdf_is_one_100_by_50_mm_page_linking_the_digital_link(
        self, client: TestClient, engine: Engine, processor: Party, kernel: str
    ) -> None:
        response = client.get(f"/api/v1/lots/{kernel}/label.pdf", headers=processor["headers"])
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        body = response.content
        assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
        assert pdf_pages(body) == 1
        assert re.search(rb"/MediaBox \[ 0 0 283\.46\d* 141\.73\d* \]", body)
        uri = the_label(engine, kernel).uri
        assert f"/URI ({uri})".encode() in body and kernel.encode() in body


class TestWhatTheLabelSays:
    def test_domestic_nuts_are_a_product_of_vietnam_and_keep_their_certification(
        self, client: TestClient, processor: Party
    ) -> None:
        vn = domestic(client, processor, certifications=ORGANIC)
        (lot_id,) = kernel_lots(client, processor, inputs=[(vn, 1000)])
        text = svg_text(client.get(f"/api/v1/lots/{lot_id}/label.svg", headers=processor["headers"]))
        assert "Product of Vietnam" in text and "Certified: EU Organic" in text and "Origin:" not in text

    def test_mixed_nuts_show_each_country_by_mass(self, client: TestClient, processor: Party) -> None:
        inputs = [(domestic(client, processor, 1000), 1000.0), (imported(client, processor, 5250), 5250.0)]
        (lot_id,) = kernel_lots(client, processor, inputs=inputs)
        text = svg_text(client.get(f"/api/v1/lots/{lot_id}/label.svg", headers=processor["headers"]))
        assert printed("Origin: Côte d'Ivoire 84%, Vietnam 16% (Bình Phước)") in text

    def test_a_trader_prints_with_its_own_gtin_and_names_the_processor(
        self, client: TestClient, engine: Engine, processor: Party, kernel: str
    ) -> None:
        trader = make_party(client, "trader", gs1_company_prefix="8936001", name="Saigon Nut Trading")
        transfer = ok(
            client.post(
                f"/api/v1/lots/{kernel}/dispatch",
                json={"to_party_id": trader["id"], "quantity_kg": 100},
                headers=processor["headers"],
            )
        )
        ok(
            client.post(
                f"/api/v1/transfers/{transfer['id']}/receive", json={"received_kg": 100}, headers=trader["headers"]
            ),
            200,
        )
        part = transfer["lot_id"]
        text = svg_text(client.get(f"/api/v1/lots/{part}/label.svg", headers=trader["headers"]))
        assert printed("Processor: Công ty Chế biến Điều Bình Phước") in text
        assert the_label(engine, part).gtin.startswith("08936001")


class TestLedger:
    def test_first_print_writes_one_label_entry_reprints_none(
        self, client: TestClient, engine: Engine, processor: Party, kernel: str
    ) -> None:
        size = ledger_size(client)
        fetch(client, f"/api/v1/lots/{kernel}/label.png", processor)
        assert ledger_size(client) == size + 1
        label = label_row(engine, kernel)
        assert label is not None and label.ledger_index == size
        with engine.connect() as conn:
            entry = json.loads(SqlLog(conn).leaf_data(size))
        assert entry["type"] == "label" and entry["by"] == processor["id"]
        assert entry["data"] == {"lot_id": kernel, "gtin": label.gtin, "uri": label.uri}
        before = table_counts(engine)
        for path in ("label.png", "label.svg", "label.pdf"):
            fetch(client, f"/api/v1/lots/{kernel}/{path}", processor)
        fetch(client, "/api/v1/labels.pdf", processor, lots=f"{kernel},{kernel}")
        assert ledger_size(client) == size + 1 and table_counts(engine) == before


class TestWhoMayPrint:
    def test_a_party_without_a_gs1_prefix_is_409_and_nothing_is_written(
        self, client: TestClient, engine: Engine
    ) -> None:
        bare = make_party(client, "processor")
        (lot_id,) = kernel_lots(client, bare)
        before, size = table_counts(engine), ledger_size(client)
        response = client.get(f"/api/v1/lots/{lot_id}/label.png", headers=bare["headers"])
        assert response.status_code == 409 and response.json()["error"] == "no_gs1_prefix"
        assert table_counts(engine) == before and ledger_size(client) == size

    def test_farmers_regulators_and_other_processors_are_403(
        self, client: TestClient, engine: Engine, kernel: str
    ) -> None:
        others = [
            make_party(client, "farmer"),
            make_party(client, "regulator"),
            make_party(client, "processor", gs1_company_prefix="8935999"),
        ]
        before = table_counts(engine)
        for other in others:
            response = client.get(f"/api/v1/lots/{kernel}/label.pdf", headers=other["headers"])
            assert response.status_code == 403 and response.json()["error"] == "forbidden", other["role"]
        assert table_counts(engine) == before

    def test_a_lot_in_transit_is_409(self, client: TestClient, processor: Party, kernel: str) -> None:
        trader = make_party(client, "trader", gs1_company_prefix="8936001")
        ok(
            client.post(
                f"/api/v1/lots/{kernel}/dispatch",
                json={"to_party_id": trader["id"], "quantity_kg": 250},
                headers=processor["headers"],
            )
        )
        response = client.get(f"/api/v1/lots/{kernel}/label.png", headers=processor["headers"])
        assert response.status_code == 409 and response.json()["error"] == "lot_not_held"

    def test_unknown_lot_is_404_and_no_key_is_401(self, client: TestClient, processor: Party) -> None:
        response = client.get("/api/v1/lots/KRN26-NOSUCHLOT/label.svg", headers=processor["headers"])
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        assert client.get("/api/v1/lots/KRN26-NOSUCHLOT/label.svg").status_code == 401


class TestSheets:
    def test_twelve_lots_make_two_a4_pages_or_twelve_thermal_labels(
        self, client: TestClient, engine: Engine, processor: Party
    ) -> None:
        lots = ",".join(kernel_lots(client, processor, ("W320",) * 12))
        size = ledger_size(client)
        a4 = client.get("/api/v1/labels.pdf", params={"lots": lots, "format": "a4"}, headers=processor["headers"])
        assert a4.status_code == 200 and a4.headers["content-type"] == "application/pdf"
        assert a4.content.startswith(b"%PDF-") and pdf_pages(a4.content) == 2
        assert 'filename="labels-a4.pdf"' in a4.headers["content-disposition"]
        assert ledger_size(client) == size + 12
        thermal = client.get(
            "/api/v1/labels.pdf", params={"lots": lots, "format": "thermal-100x50"}, headers=processor["headers"]
        )
        assert thermal.status_code == 200 and pdf_pages(thermal.content) == 12
        assert ledger_size(client) == size + 12

    def test_bad_format_or_too_many_lots_is_422(self, client: TestClient, processor: Party, kernel: str) -> None:
        bad = client.get(
            "/api/v1/labels.pdf", params={"lots": kernel, "format": "letter"}, headers=processor["headers"]
        )
        assert bad.status_code == 422 and bad.json()["error"] == "invalid_input"
        many = client.get(
            "/api/v1/labels.pdf", params={"lots": ",".join([kernel] * 1001)}, headers=processor["headers"]
        )
        assert many.status_code == 422 and many.json()["error"] == "too_many_labels"
        none = client.get("/api/v1/labels.pdf", params={"lots": " , "}, headers=processor["headers"])
        assert none.status_code == 422 and none.json()["error"] == "no_lots"

    def test_one_foreign_lot_refuses_the_whole_sheet_and_writes_nothing(
        self, client: TestClient, engine: Engine, processor: Party, kernel: str
    ) -> None:
        other = make_party(client, "processor", gs1_company_prefix="8935999")
        (foreign,) = kernel_lots(client, other)
        before = table_counts(engine)
        for lots in (f"{kernel},{foreign}", f"{kernel},KRN26-NOSUCHLOT"):
            response = client.get("/api/v1/labels.pdf", params={"lots": lots}, headers=processor["headers"])
            assert response.status_code in (403, 404), response.text
        assert table_counts(engine) == before and label_row(engine, kernel) is None


class TestCommand:
    def env(self, settings: Settings) -> dict[str, str]:
        return {
            **os.environ,
            "CASHEW_DATABASE_URL": settings.database_url,
            "CASHEW_LOG_KEY_FILE": str(settings.log_key_file),
            "CASHEW_LOG_ORIGIN": settings.log_origin,
            "CASHEW_PUBLIC_BASE_URL": settings.public_base_url,
        }

    def run(self, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CASHEW, "labels", *args],
            check=False,
            cwd=ROOT,
            env=self.env(settings),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_cashew_labels_writes_a_sheet_and_the_first_printings(
        self, client: TestClient, engine: Engine, settings: Settings, processor: Party, tmp_path: Path
    ) -> None:
        lots = kernel_lots(client, processor, ("W320", "W240", "LP"))
        size = ledger_size(client)
        out = tmp_path / "labels.pdf"
        done = self.run(settings, *lots, "--out", str(out), "--format", "thermal-100x50")
        assert done.returncode == 0, done.stderr
        assert "3 labels" in done.stdout
        body = out.read_bytes()
        assert body.startswith(b"%PDF-") and pdf_pages(body) == 3
        assert ledger_size(client) == size + 3 and all(label_row(engine, lot_id) for lot_id in lots)
        again = self.run(settings, lots[0], "--out", str(out))
        assert again.returncode == 0 and ledger_size(client) == size + 3

    def test_lots_of_two_holders_exit_2(
        self, client: TestClient, settings: Settings, kernel: str, tmp_path: Path
    ) -> None:
        other = make_party(client, "processor", gs1_company_prefix="8935999")
        (foreign,) = kernel_lots(client, other)
        refused = self.run(settings, kernel, foreign, "--out", str(tmp_path / "labels.pdf"))
        assert refused.returncode == 2 and "different parties" in refused.stderr

    def test_unknown_lot_or_format_exits_2_and_writes_nothing(
        self, client: TestClient, engine: Engine, settings: Settings, kernel: str, tmp_path: Path
    ) -> None:
        out = tmp_path / "labels.pdf"
        before = table_counts(engine)
        unknown = self.run(settings, kernel, "KRN26-NOSUCHLOT", "--out", str(out))
        assert unknown.returncode == 2 and "KRN26-NOSUCHLOT" in unknown.stderr
        bad_format = self.run(settings, kernel, "--out", str(out), "--format", "letter")
        assert bad_format.returncode == 2 and "letter" in bad_format.stderr
        assert not out.exists() and table_counts(engine) == before


SAMPLE = LabelData(
    lot_id="KRN26-7KQ3M9XA",
    gtin="08935012000018",
    uri="https://trace.example.vn/01/08935012000018/10/KRN26-7KQ3M9XA",
    element_string="(01)08935012000018(10)KRN26-7KQ3M9XA",
    product="kernel",
    grade="W320",
    product_name="Cashew kernels W320",
    product_name_vi="Hạt điều nhân W320",
    net_weight_kg=Decimal("22.68"),
    net_weight_lb=Decimal(50),
    origin_line="Côte d'Ivoire 84%, Vietnam 16% (Bình Phước)",
    processor_name="Công ty TNHH Chế biến Hạt điều Xuất khẩu Bình Phước",
    packed_on=date(2026, 3, 14),
    certifications=("organic-eu",),
    first_print=False,
)


class TestRendering:
    def test_qr_symbol_is_the_one_qrcode_itself_would_make(self) -> None:
        """The numpy mask choice reproduces qrcode's ISO 18004 penalty choice, symbol for symbol."""
        rng = random.Random(9162)
        for _ in range(60):
            lot_id = "".join(
                rng.choice(string.ascii_uppercase + string.digits + "-") for _ in range(rng.randint(1, 20))
            )
            base = rng.choice(["http://127.0.0.1:8000", "https://trace.example.vn", "https://x.example" * 8])
            uri = f"{base}/01/0893501200{rng.randint(1000, 9999)}/10/{lot_id}"
            reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
            reference.add_data(uri)
            reference.make(fit=True)
            assert qr_modules(uri) == tuple(tuple(row) for row in reference.get_matrix()), uri

    def test_without_a_vietnamese_font_text_is_folded_to_ascii_and_still_renders(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        helvetica = Fonts("Helvetica", "Helvetica-Bold")
        assert helvetica.printable("Côte d'Ivoire, Bình Phước, Đồng Nai") == "Cote d'Ivoire, Binh Phuoc, Dong Nai"
        for module in (render_layout, render_pdf, render_png):
            monkeypatch.setattr(module, "fonts", lambda: helvetica)
        text = " ".join(t.text or "" for t in ET.fromstring(label_svg(SAMPLE)).iter("{http://www.w3.org/2000/svg}text"))
        assert "Vietnam 16% (Binh Phuoc)" in text and "Hat dieu nhan W320" in text
        assert labels_pdf([SAMPLE] * 3, sheet="a4").startswith(b"%PDF-")
        codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(label_png(SAMPLE))))
        assert [c.text for c in codes] == [SAMPLE.uri]

    def test_long_lot_ids_and_names_fit_the_label(self) -> None:
        long = LabelData(**{**SAMPLE.__dict__, "lot_id": "KRN26-ABCDEFGHJKMNPQ", "processor_name": "Công ty " * 20})
        layout = render_layout.label_layout(long)
        assert f"Lot: {long.lot_id}" in [line.text for line in layout.lines]
        for line in layout.lines:
            right = line.x_mm + render_layout.width_mm(line.text, line.size_pt, line.bold)
            assert right <= render_layout.LABEL_W_MM - 2, line
            assert line.baseline_mm <= render_layout.LABEL_H_MM - 2, line


class TestRoundTrip:
    def test_a_scanned_label_opens_the_buyer_page_of_its_lot(
        self, client: TestClient, settings: Settings, processor: Party, kernel: str
    ) -> None:
        png = fetch(client, f"/api/v1/lots/{kernel}/label.png", processor)
        (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
        assert code.text.startswith(settings.public_base_url)
        path = code.text.removeprefix(settings.public_base_url)
        page = client.get(path)  # a buyer's phone: no key
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert kernel in page.text and "W320" in page.text
        view = client.get(path, headers={"Accept": "application/json"}).json()
        assert view["lot_id"] == kernel and view["grade"] == "W320" and view["ledger"]["verified"] is True
