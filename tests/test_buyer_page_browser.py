"""The public pages in a real browser: headless Chromium against ``cashew serve`` — the buyer's
page at phone width, the dashboard at desktop width on the demo data.

Skipped when Chromium is not installed (``.ci/run`` installs it). To refresh the committed
screenshots: ``CASHEW_BUYER_SCREENSHOT=docs/buyer-page.png CASHEW_DASHBOARD_SCREENSHOT=docs/dashboard.png
CASHEW_RECALL_SCREENSHOT=docs/buyer-page-recalled.png .venv/bin/pytest tests/test_buyer_page_browser.py``.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.browser import CHROMIUM_FLAGS, find_chromium
from tests.factories import square
from tests.live import free_port, live_server
from traceability.db import make_engine, unit_of_work
from traceability.labels.gtin import gtin_for
from traceability.parties.models import Party
from traceability.places import DISTRICTS

ROOT = Path(__file__).resolve().parent.parent
CASHEW = str(Path(sys.executable).parent / "cashew")
ADMIN = {"Authorization": "Bearer browser-test-admin"}
PHONE_WIDTH = 390
SCREENSHOT_ENV = "CASHEW_BUYER_SCREENSHOT"
DASHBOARD_SCREENSHOT_ENV = "CASHEW_DASHBOARD_SCREENSHOT"
RECALL_SCREENSHOT_ENV = "CASHEW_RECALL_SCREENSHOT"
DESKTOP_WIDTH = 1200


@pytest.fixture
def browser() -> str:
    """Chromium's path; the test skips (before starting a server) when it is not installed."""
    found = find_chromium()
    if found is None:
        pytest.skip("Chromium not installed (apt-get install chromium); .ci/run installs it")
    return found


@dataclass
class Server:
    url: str
    db_url: str
    env: dict[str, str]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """``cashew serve`` on a fresh SQLite file (it migrates the database when it starts)."""
    port, db_url = free_port(), f"sqlite:///{tmp_path}/data/cashew.db"
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CASHEW_DATABASE_URL": db_url,
        "CASHEW_LOG_KEY_FILE": str(tmp_path / "data" / "log.key"),
        "CASHEW_ADMIN_TOKEN": ADMIN["Authorization"].split()[1],
    }
    with live_server(
        [CASHEW, "serve", "--port", str(port)], port=port, env=env, cwd=ROOT, log=tmp_path / "server.log", timeout=30
    ):
        yield Server(url, db_url, env)


# --- demo-like data, built through the HTTP API --------------------------------------------------
VIETGAP = [
    {
        "scheme": "vietgap",
        "certificate_no": "VietGAP-TT-24-09-70-0031",
        "valid_from": "2025-01-01",
        "valid_to": "2027-12-31",
    }
]
# (district, hectares, [(harvested_on, kg)…], cutting test: good g, spotted g, nuts in 1 kg)
FARMS = [
    ("bu-dang", 2.4, [("2026-02-21", 1850), ("2026-03-12", 1320)], (292, 12, 176)),
    ("bu-dang", 2.8, [("2026-03-09", 2140)], (286, 14, 184)),
    ("bu-gia-map", 6.5, [("2026-03-06", 2600), ("2026-03-27", 1900)], (295, 10, 172)),
    ("phu-rieng", 2.6, [("2026-03-18", 1480)], (288, 11, 181)),
    ("dong-phu", 3.0, [("2026-04-16", 1150)], (280, 16, 190)),
]


def post(http: httpx.Client, path: str, body: dict[str, Any], key: str | None = None, status: int = 201) -> Any:
    headers = ADMIN if key is None else {"Authorization": f"Bearer {key}"}
    response = http.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


# The batch's outputs from 12,440 kg of raw nuts: 24.5 % kernel in four grades, shell and testa.
OUTPUTS = [
    ("kernel", "W320", 1830),
    ("kernel", "W240", 610),
    ("kernel", "WS", 300),
    ("kernel", "LP", 308),
    ("shell", None, 8708),
    ("testa", None, 300),
]


def delivered_raw_nuts(http: httpx.Client, processor: dict[str, Any]) -> list[dict[str, Any]]:
    """The farms' harvests, delivered to the processor and cut-tested there; the batch's inputs."""
    inputs = []
    for n, (district, hectares, harvests, (good, spotted, nuts)) in enumerate(FARMS):
        farmer = post(http, "/api/v1/parties", {"name": f"Nông hộ {n + 1}", "role": "farmer", "district": district})
        place = DISTRICTS[district]
        farm = post(
            http,
            "/api/v1/farms",
            {
                "name": f"Vườn điều {n + 1}",
                "district": district,
                "commune": "—",
                "area_ha": hectares,
                "geometry": square(place.lon + 0.02 * n, place.lat, hectares),
                "certifications": VIETGAP,
            },
            farmer["api_key"],
        )
        for day, kg in harvests:
            lot_id = post(
                http,
                "/api/v1/harvests",
                {"farm_id": farm["id"], "harvested_on": day, "quantity_kg": kg, "moisture_pct": 9.2},
                farmer["api_key"],
            )["lot_id"]
            transfer = post(
                http,
                f"/api/v1/lots/{lot_id}/dispatch",
                {"to_party_id": processor["id"], "quantity_kg": kg},
                farmer["api_key"],
            )
            post(http, f"/api/v1/transfers/{transfer['id']}/receive", {"received_kg": kg}, processor["api_key"], 200)
            post(
                http,
                f"/api/v1/lots/{lot_id}/quality-tests",
                {
                    "sample_g": 1000,
                    "nut_count": nuts,
                    "good_kernel_g": good,
                    "spotted_kernel_g": spotted,
                    "reject_kernel_g": 6,
                    "moisture_pct": 9.2,
                },
                processor["api_key"],
            )
            inputs.append({"lot_id": lot_id, "quantity_kg": kg})
    return inputs


def demo_kernel_lot(server: Server) -> tuple[str, str]:
    """A W320 lot of VietGAP kernels from five farms in four legacy districts; (gtin, lot_id)."""
    gtin, lot_id, _inputs = kernel_lot_and_inputs(server)
    return gtin, lot_id


def kernel_lot_and_inputs(server: Server) -> tuple[str, str, list[dict[str, Any]]]:
    """``demo_kernel_lot`` with the raw-nut lots the batch took."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        processor = post(
            http,
            "/api/v1/parties",
            {
                "name": "Công ty TNHH Chế biến Hạt điều Đồng Xoài",
                "role": "processor",
                "district": "dong-xoai",
                "gs1_company_prefix": "8935412",
            },
        )
        outputs = [{"product": p, "grade": g, "quantity_kg": kg} for p, g, kg in OUTPUTS]
        inputs = delivered_raw_nuts(http, processor)
        made = post(
            http,
            "/api/v1/batches",
            {"processed_on": "2026-05-06", "inputs": inputs, "outputs": outputs},
            processor["api_key"],
        )
        lot_id = next(o["lot_id"] for o in made["outputs"] if o["grade"] == "W320")
    engine = make_engine(server.db_url)
    try:
        with unit_of_work(engine) as session:
            party = session.get(Party, processor["id"])
            assert party is not None
            return gtin_for(session, party=party, product="kernel", grade="W320"), lot_id, inputs
    finally:
        engine.dispose()


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        *CHROMIUM_FLAGS,
        "--hide-scrollbars",
        "--accept-lang=vi-VN,vi",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120)


def distinct_colours(path: Path) -> int:
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours or [])


def test_the_page_renders_on_a_phone(browser: str, server: Server, tmp_path: Path) -> None:
    gtin, lot_id = demo_kernel_lot(server)
    url = f"{server.url}/01/{gtin}/10/{lot_id}"
    shot = tmp_path / "buyer-page.png"
    done = run_chromium(browser, tmp_path / "profile", f"--window-size={PHONE_WIDTH},1200", f"--screenshot={shot}", url)
    assert shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.size[0] == PHONE_WIDTH
        rgb = image.convert("RGB")
        top_bar = rgb.getpixel((5, 5))
    assert distinct_colours(shot) > 50, "the screenshot looks blank"
    assert top_bar == (0x1F, 0x5A, 0x3B), f"the page's stylesheet was not applied (top bar is {top_bar})"

    dom = run_chromium(browser, tmp_path / "profile-dom", "--dump-dom", url).stdout
    for text in (
        "W320",
        "Hạt điều nhân",
        "Bù Đăng",
        "Bù Gia Mập",
        "VietGAP",
        "Công ty TNHH Chế biến Hạt điều Đồng Xoài",
    ):
        assert text in dom, text

    if target := os.environ.get(SCREENSHOT_ENV):
        save_whole_page(browser, tmp_path, url, ROOT / target)


def test_a_recalled_cartons_page_says_so_first_in_both_languages(browser: str, server: Server, tmp_path: Path) -> None:
    gtin, lot_id, inputs = kernel_lot_and_inputs(server)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        regulator = post(
            http, "/api/v1/parties", {"name": "Sở Nông nghiệp và Môi trường Đồng Nai", "role": "regulator"}
        )
        reason = "Aflatoxin B1 12 µg/kg in the retained sample of the raw nuts (limit 5 µg/kg)"
        post(http, "/api/v1/oversight/recalls", {"lot_id": inputs[0]["lot_id"], "reason": reason}, regulator["api_key"])
    url = f"{server.url}/01/{gtin}/10/{lot_id}"
    shot = tmp_path / "recalled.png"
    done = run_chromium(browser, tmp_path / "profile", f"--window-size={PHONE_WIDTH},900", f"--screenshot={shot}", url)
    assert shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        # The first card under the top bar is the recall's: its red border, where the product card was.
        reds = {rgb.getpixel((x, y)) for x in range(0, PHONE_WIDTH, 4) for y in range(60, 200)}
    assert (0xB9, 0x47, 0x2F) in reds, "no recall banner at the top of the page"
    dom = run_chromium(browser, tmp_path / "profile-dom", "--dump-dom", url).stdout
    main = dom[dom.index("<main") :]
    assert main.index("THU HỒI SẢN PHẨM") < main.index("PRODUCT RECALL") < main.index("Hạt điều nhân")
    assert "Sở Nông nghiệp và Môi trường Đồng Nai" in main
    if target := os.environ.get(RECALL_SCREENSHOT_ENV):
        save_whole_page(browser, tmp_path, url, ROOT / target)


def save_whole_page(browser: str, tmp_path: Path, url: str, target: Path, width: int = PHONE_WIDTH) -> None:
    """The whole page, the empty background below it cropped (docs/buyer-page.png, docs/dashboard.png)."""
    tall = tmp_path / "tall.png"
    run_chromium(browser, tmp_path / "profile-tall", f"--window-size={width},3200", f"--screenshot={tall}", url)
    with Image.open(tall) as image:
        rgb = image.convert("RGB")
    background = rgb.getpixel((0, rgb.height - 1))
    rows = [y for y in range(rgb.height) if any(rgb.getpixel((x, y)) != background for x in range(0, rgb.width, 3))]
    rgb.crop((0, 0, rgb.width, min(rgb.height, rows[-1] + 24))).quantize(colors=256).save(target, optimize=True)


def test_the_dashboard_renders_offline_with_every_chart(browser: str, server: Server, tmp_path: Path) -> None:
    """``make run``'s dashboard: the demo loaded by ``cashew seed demo``, drawn with nothing from the internet."""
    from seeds.demo_data import DEMO_PARTIES

    seeded = subprocess.run(
        [CASHEW, "seed", "demo"], env=server.env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    url = f"{server.url}/dashboard"
    shot = tmp_path / "dashboard.png"
    done = run_chromium(
        browser, tmp_path / "profile", f"--window-size={DESKTOP_WIDTH},1800", f"--screenshot={shot}", url
    )
    assert shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        top_bar = image.convert("RGB").getpixel((5, 5))
    assert distinct_colours(shot) > 50, "the screenshot looks blank"
    assert top_bar == (0x1F, 0x5A, 0x3B), f"the page's stylesheet was not applied (top bar is {top_bar})"

    dom = run_chromium(browser, tmp_path / "profile-dom", "--dump-dom", url).stdout
    assert dom.count("<svg") == 5  # monthly flows, districts, grades, imports, exports
    for text in (
        "Ngành điều",
        "Dòng chảy theo tháng",
        "Bù Đăng",
        "Lộc Ninh",
        "W320",
        "Bờ Biển Ngà",
        "Ghana",
        "Campuchia",
        "Hà Lan",
        "Hoa Kỳ",
        "Trung Quốc",
    ):
        assert text in dom, text
    assert "Chưa có số liệu" not in dom  # every chart has data
    for party in DEMO_PARTIES:
        assert party.name not in dom, f"the public dashboard names {party.name}"
    assert "<script" not in dom and " src=" not in dom
    english = run_chromium(browser, tmp_path / "profile-en", "--dump-dom", f"{url}?lang=en").stdout
    assert "Harvest by district" in english and "Netherlands" in english

    if target := os.environ.get(DASHBOARD_SCREENSHOT_ENV):
        save_whole_page(browser, tmp_path, f"{url}?lang=vi", ROOT / target, width=DESKTOP_WIDTH)


def test_the_api_docs_run_under_their_content_security_policy(browser: str, server: Server, tmp_path: Path) -> None:
    """/docs allows scripts from the server only: Swagger UI must still start and list the operations."""
    assert "script-src 'self'" in httpx.get(f"{server.url}/docs").headers["content-security-policy"]
    done = run_chromium(
        browser, tmp_path / "profile-docs", "--virtual-time-budget=15000", "--dump-dom", f"{server.url}/docs"
    )
    assert "opblock" in done.stdout and "/api/v1/harvests" in done.stdout, done.stderr[-2000:]
