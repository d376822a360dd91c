"""What the demo holds: five Bình Phước households, a regulator, a processor and a trader.

Pure data and plans (no database): ``demo.py`` loads them through the services.
Figures follow DOMAIN.md: farms of 2–3 ha (points) and a few estates above 4 ha
(polygons, as the EU deforestation regulation asks), 1.0–2.2 t/ha a season in
2–4 pickings from February to May, nuts dried to 8–12% moisture, fertiliser in
May–June and September–October, sprays at flowering (December–January).
Masses and dates are drawn from generators seeded per farm, so the demo is the
same on every machine.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from traceability.parties.models import Role
from traceability.places import DISTRICTS

DEMO_SEED = 20260210


@dataclass(frozen=True)
class DemoParty:
    name: str
    role: Role
    key: str  # fixed so that `make run` can print it on every run; demo only
    district: str | None = None
    gs1_company_prefix: str | None = None


DEMO_PARTIES: list[DemoParty] = [
    DemoParty("Nguyễn Văn Hùng", Role.farmer, "ck_demo_farmer_hung", "bu-dang"),
    DemoParty("Điểu Thị Lan", Role.farmer, "ck_demo_farmer_lan", "bu-dang"),
    DemoParty("Trần Văn Minh", Role.farmer, "ck_demo_farmer_minh", "bu-gia-map"),
    DemoParty("Lê Thị Thu", Role.farmer, "ck_demo_farmer_thu", "phu-rieng"),
    DemoParty("Phạm Văn Đức", Role.farmer, "ck_demo_farmer_duc", "dong-phu"),
    DemoParty("Sở Nông nghiệp và Môi trường Đồng Nai", Role.regulator, "ck_demo_regulator"),
    DemoParty(
        "Công ty TNHH Chế biến Hạt điều Đồng Xoài",
        Role.processor,
        "ck_demo_processor",
        "dong-xoai",
        gs1_company_prefix="8935412",
    ),
    DemoParty("Công ty CP Thương mại Điều Chơn Thành", Role.trader, "ck_demo_trader", "chon-thanh"),
    # The oversight chapter (seeds/demo_oversight.py): a farm too good to be true, a lapsed
    # certificate, a plot drawn over a neighbour's, and a factory selling more "Vietnamese"
    # kernel than its Vietnamese nuts can give.
    DemoParty("Hoàng Văn Tâm", Role.farmer, "ck_demo_farmer_tam", "loc-ninh"),
    DemoParty("Điểu Văn Bình", Role.farmer, "ck_demo_farmer_binh", "bu-dang"),
    DemoParty(
        "Công ty CP Chế biến Điều Lộc Ninh",
        Role.processor,
        "ck_demo_processor_ln",
        "loc-ninh",
        gs1_company_prefix="8935426",
    ),
]


@dataclass(frozen=True)
class DemoCert:
    scheme: str
    certificate_no: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class DemoFarm:
    code: str  # seeds this farm's generators
    owner: str  # key of the owning DemoParty
    name: str
    district: str
    commune: str
    area_ha: Decimal
    offset_km: tuple[float, float]  # east, north of the district centre
    planted_year: int
    variety: str
    yield_t_per_ha: Decimal  # the season's total, split into pickings
    certifications: tuple[DemoCert, ...] = ()
    polygon: bool = False  # above 4 ha a polygon is required; below, the demo uses points
    aspect: float = 1.0  # width / height of the drawn rectangle

    @property
    def organic(self) -> bool:
        return any(c.scheme.startswith("organic") for c in self.certifications)


ORGANIC = DemoCert("organic-eu", "VN-BIO-154-2025-0173", date(2025, 7, 1), date(2026, 6, 30))
VIETGAP = DemoCert("vietgap", "VietGAP-TT-24-09-70-0031", date(2024, 9, 15), date(2026, 9, 14))
RAINFOREST = DemoCert("rainforest-alliance", "RA-C-VN-2025-004127", date(2025, 1, 1), date(2027, 12, 31))

DEMO_FARMS: list[DemoFarm] = [
    DemoFarm(
        "hung-1",
        "ck_demo_farmer_hung",
        "Vườn điều Đức Liễu – lô nhà",
        "bu-dang",
        "Đức Liễu",
        Decimal("2.4"),
        (-1.8, 0.9),
        2012,
        "PN1",
        Decimal("1.6"),
        (VIETGAP,),
    ),
    DemoFarm(
        "hung-2",
        "ck_demo_farmer_hung",
        "Vườn điều Đức Liễu – lô suối",
        "bu-dang",
        "Đức Liễu",
        Decimal("5.2"),
        (1.2, -2.0),
        2010,
        "AB 0508",
        Decimal("1.4"),
        (ORGANIC,),
        polygon=True,
        aspect=1.6,
    ),
    DemoFarm(
        "lan-1",
        "ck_demo_farmer_lan",
        "Rẫy điều Bom Bo",
        "bu-dang",
        "Bom Bo",
        Decimal("2.8"),
        (3.1, 2.4),
        2008,
        "local seedling",
        Decimal("1.1"),
    ),
    DemoFarm(
        "minh-1",
        "ck_demo_farmer_minh",
        "Trang trại điều Bình Thắng",
        "bu-gia-map",
        "Bình Thắng",
        Decimal("6.5"),
        (-2.5, -1.0),
        2014,
        "AB 29",
        Decimal("2.0"),
        (RAINFOREST,),
        polygon=True,
        aspect=0.7,
    ),
    DemoFarm(
        "minh-2",
        "ck_demo_farmer_minh",
        "Vườn điều Phú Nghĩa",
        "bu-gia-map",
        "Phú Nghĩa",
        Decimal("2.0"),
        (1.5, -3.2),
        2016,
        "PN1",
        Decimal("1.8"),
    ),
    DemoFarm(
        "thu-1",
        "ck_demo_farmer_thu",
        "Vườn điều Long Hà",
        "phu-rieng",
        "Long Hà",
        Decimal("2.6"),
        (-0.8, 1.7),
        2011,
        "PN1",
        Decimal("1.3"),
        (VIETGAP,),
    ),
    DemoFarm(
        "thu-2",
        "ck_demo_farmer_thu",
        "Vườn điều Phú Riềng – lô đồi",
        "phu-rieng",
        "Phú Riềng",
        Decimal("4.6"),
        (2.2, -1.4),
        2013,
        "AB 0508",
        Decimal("1.7"),
        polygon=True,
        aspect=1.3,
    ),
    DemoFarm(
        "duc-1",
        "ck_demo_farmer_duc",
        "Vườn điều Tân Lập",
        "dong-phu",
        "Tân Lập",
        Decimal("3.0"),
        (1.0, 2.2),
        2009,
        "local seedling",
        Decimal("1.0"),
    ),
]

# The oversight chapter's farms: each raises one kind of alert when it is recorded.
LAPSED_VIETGAP = DemoCert("vietgap", "VietGAP-TT-22-11-70-0187", date(2023, 1, 1), date(2025, 12, 31))
OVERSIGHT_FARMS: list[DemoFarm] = [
    # 2.8 t/ha on 1.5 ha: above the 2.5 t/ha that regulators look at (farm_yield_high).
    DemoFarm(
        "tam-1",
        "ck_demo_farmer_tam",
        "Vườn điều Lộc Thái",
        "loc-ninh",
        "Lộc Thái",
        Decimal("1.5"),
        (0.5, 0.8),
        2015,
        "AB 0508",
        Decimal("2.8"),
    ),
    # VietGAP ended on 31/12/2025 and was not renewed; the 2026 pickings are not certified (certificate_expired).
    DemoFarm(
        "tam-2",
        "ck_demo_farmer_tam",
        "Rẫy điều Lộc Hưng",
        "loc-ninh",
        "Lộc Hưng",
        Decimal("3.2"),
        (-1.5, -0.6),
        2007,
        "local seedling",
        Decimal("1.2"),
        (LAPSED_VIETGAP,),
    ),
    # Drawn over the east end of Hùng's organic plot (plot_overlap).
    DemoFarm(
        "binh-1",
        "ck_demo_farmer_binh",
        "Rẫy điều suối Đắk Liên",
        "bu-dang",
        "Đức Liễu",
        Decimal("4.4"),
        (1.4, -2.05),
        2012,
        "PN1",
        Decimal("1.2"),
        polygon=True,
    ),
]

# --- Geometry ------------------------------------------------------------------
M_PER_DEG_LAT = 110_574
M_PER_DEG_LON_EQUATOR = 111_320


def _centre(farm: DemoFarm) -> tuple[float, float]:
    place = DISTRICTS[farm.district]
    east_km, north_km = farm.offset_km
    lon = place.lon + east_km * 1000 / (M_PER_DEG_LON_EQUATOR * math.cos(math.radians(place.lat)))
    return lon, place.lat + north_km * 1000 / M_PER_DEG_LAT


def geometry(farm: DemoFarm) -> dict[str, Any]:
    """A GeoJSON Point, or a closed rectangle of ``area_ha`` around the farm's centre."""
    lon, lat = _centre(farm)
    if not farm.polygon:
        return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
    area_m2 = float(farm.area_ha) * 10_000
    half_w, half_h = math.sqrt(area_m2 * farm.aspect) / 2, math.sqrt(area_m2 / farm.aspect) / 2
    dlon = half_w / (M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat)))
    dlat = half_h / M_PER_DEG_LAT
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat]]
    ring = [[round(x, 6), round(y, 6)] for x, y in ring]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


# --- Plans -----------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedHarvest:
    harvested_on: date
    quantity_kg: Decimal
    moisture_pct: Decimal
    notes: str | None = None


@dataclass(frozen=True)
class PlannedInput:
    applied_on: date
    category: str
    product: str  # a code of traceability.production.inputs
    product_name: str | None  # as on the label (free text, off the ledger)
    quantity: Decimal
    unit: str
    notes: str | None = None


# Picking windows of the 2026 season; the peak is in March.
PICKING_WINDOWS = [date(2026, 2, 20), date(2026, 3, 8), date(2026, 3, 26), date(2026, 4, 18), date(2026, 5, 12)]


def _rng(farm: DemoFarm, purpose: str) -> random.Random:
    return random.Random(f"{DEMO_SEED}:{purpose}:{farm.code}")  # str seeds hash with SHA-512: stable everywhere


def harvest_plan(farm: DemoFarm) -> list[PlannedHarvest]:
    """The season's pickings: ``yield_t_per_ha × area_ha`` in 2–4 parts, Feb–May 2026."""
    rng = _rng(farm, "harvest")
    pickings = rng.randint(2, 4)
    days = sorted(rng.sample(PICKING_WINDOWS, pickings))
    weights = [Decimal(str(round(rng.uniform(0.7, 1.3), 3))) for _ in days]
    total_kg = farm.area_ha * farm.yield_t_per_ha * 1000
    plan = []
    for day, weight in zip(days, weights, strict=True):
        quantity = (total_kg * weight / sum(weights)).quantize(Decimal("0.1"))
        moisture = Decimal(str(round(rng.uniform(8.0, 12.0), 1)))
        on = day + timedelta(days=rng.randint(-4, 4))
        plan.append(PlannedHarvest(on, quantity, moisture, "phơi 3 nắng" if moisture <= 10 else "nhặt sau mưa"))
    return plan


def _per_ha(farm: DemoFarm, kg_per_ha: int) -> Decimal:
    return (farm.area_ha * kg_per_ha).quantize(Decimal(1))


def input_plan(farm: DemoFarm) -> list[PlannedInput]:
    """Fertiliser twice a year and sprays at flowering (organic farms: manure, neem, copper)."""
    rng = _rng(farm, "inputs")

    def jitter(day: date) -> date:
        return day + timedelta(days=rng.randint(0, 12))

    if farm.organic:
        return [
            PlannedInput(jitter(date(2025, 5, 18)), "manure", "compost", "phân bò ủ hoai", _per_ha(farm, 5000), "kg"),
            PlannedInput(
                jitter(date(2025, 9, 20)),
                "fertilizer",
                "organic_fertilizer",
                "phân hữu cơ vi sinh (được chứng nhận)",
                _per_ha(farm, 800),
                "kg",
            ),
            PlannedInput(
                jitter(date(2025, 12, 8)),
                "pesticide",
                "neem",
                "neem extract (azadirachtin 0.3%)",
                (farm.area_ha * Decimal("1.5")).quantize(Decimal("0.1")),
                "l",
                "at flowering, against tea mosquito bug",
            ),
            PlannedInput(
                jitter(date(2026, 1, 5)),
                "fungicide",
                "copper",
                "Bordeaux mixture",
                _per_ha(farm, 3),
                "kg",
                "at flowering, against anthracnose",
            ),
        ]
    return [
        PlannedInput(
            jitter(date(2025, 5, 20)), "fertilizer", "urea", None, _per_ha(farm, 150), "kg", "start of the rains"
        ),
        PlannedInput(jitter(date(2025, 5, 22)), "fertilizer", "superphosphate", None, _per_ha(farm, 250), "kg"),
        PlannedInput(jitter(date(2025, 6, 1)), "fertilizer", "potassium_chloride", None, _per_ha(farm, 80), "kg"),
        PlannedInput(jitter(date(2025, 9, 15)), "fertilizer", "urea", None, _per_ha(farm, 150), "kg"),
        PlannedInput(
            jitter(date(2025, 9, 25)),
            "fertilizer",
            "potassium_chloride",
            None,
            _per_ha(farm, 100),
            "kg",
            "before flowering",
        ),
        PlannedInput(
            jitter(date(2025, 12, 10)),
            "pesticide",
            "lambda_cyhalothrin",
            "Karate 2.5EC",
            (farm.area_ha * Decimal("0.5")).quantize(Decimal("0.1")),
            "l",
            "at flowering, against tea mosquito bug",
        ),
        PlannedInput(
            jitter(date(2026, 1, 8)),
            "fungicide",
            "hexaconazole",
            "Anvil 5SC",
            (farm.area_ha * Decimal("0.8")).quantize(Decimal("0.1")),
            "l",
            "at flowering, against anthracnose",
        ),
    ]


# The one correction of the demo: a picking re-weighed on the cooperative's scale.
CORRECTED_FARM = "hung-1"
CORRECTED_PICKING = 1  # index in the farm's harvest plan
REWEIGH_FACTOR = Decimal("0.982")  # the field scale read 1.8% high
REWEIGH_REASON = "re-weighed on the cooperative's calibrated scale; the field scale read high"
