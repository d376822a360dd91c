"""Every threshold of the domain, named, with its source (see DOMAIN.md).

An agronomist reviewing the rules should only need to read this file.
"""

from decimal import Decimal

# --- Farms and plots ----------------------------------------------------------
# EU deforestation regulation: plots above 4 ha must be given as a polygon, not a point.
POLYGON_REQUIRED_ABOVE_HA = Decimal("4")
# A drawn polygon's geodesic area may differ from the declared area by at most this share.
AREA_TOLERANCE = Decimal("0.25")
# Household farms are ~2 ha (0.3–10), a few estates 20–50 ha; above this is a typo.
MAX_FARM_HA = Decimal("1000")
# An overlap smaller than this (m²) is a digitising sliver, not a double-claimed plot.
OVERLAP_MIN_M2 = 100
# Coordinates beyond 6 decimals (~0.1 m) carry no information (EUDR GeoJSON rules).
COORDINATE_DECIMALS = 6
# Cashew is a perennial first planted here in the 1980s; no tree is older than this.
EARLIEST_PLANTED_YEAR = 1950

# --- Harvests -----------------------------------------------------------------
# Bình Phước yields 1.0–1.3 t/ha on average, 2–3 t/ha for improved varieties.
# A season above 4 t/ha of the farm's area is impossible; above 2.5 is flagged.
SEASON_YIELD_REFUSE_T_PER_HA = Decimal("4")
SEASON_YIELD_FLAG_T_PER_HA = Decimal("2.5")
# Raw-nut moisture: dried nuts 8–10 %, fresh 15–25 %; outside 4–30 % is not a real reading.
MOISTURE_MIN_PCT = Decimal("4")
MOISTURE_MAX_PCT = Decimal("30")
# One harvest record larger than this (kg) is a typing error, whatever the farm size.
MAX_HARVEST_KG = Decimal("200000")
# Masses in the API carry at most 3 decimals (grams).
MASS_DECIMALS = 3

# --- Identifiers ----------------------------------------------------------------
LOT_ID_PATTERN = r"^[A-Z0-9-]{1,20}$"  # GS1 lot charset chosen in SPEC §7

# --- Custody ---------------------------------------------------------------------
# Raw nuts lose moisture and dust in transit; above this share lost, regulators look.
TRANSIT_LOSS_FLAG = Decimal("0.02")
# A receiving scale may read a little above the sender's; beyond this, mass was created.
TRANSIT_GAIN_TOLERANCE = Decimal("0.005")

# --- Cutting tests (DOMAIN.md, Raw cashew nuts) ------------------------------------
BAG_KG = Decimal("80")
# Spotted kernels count at half weight: common practice, not a written standard.
SPOTTED_FACTOR = Decimal("0.5")
MIN_SAMPLE_G = 500
OUTTURN_MIN_LBS, OUTTURN_MAX_LBS = Decimal("35"), Decimal("58")
OUTTURN_WARN_LOW_LBS, OUTTURN_WARN_HIGH_LBS = Decimal("43"), Decimal("55")
NUT_COUNT_MIN, NUT_COUNT_MAX, NUT_COUNT_WARN = 120, 260, 220
MOISTURE_WARN_PCT = Decimal("10")  # dried nuts read 8–10 %

# --- Batches (DOMAIN.md, Processing: rules that catch fraud) ------------------------
# Without a cutting test, kernel above 32 % of the raw nuts is impossible.
UNTESTED_MAX_KERNEL_RATIO = Decimal("0.32")
# A factory's kernel yield is 0.85–0.95 of the cutting-test recovery; allow up to the
# full tested recovery plus this tolerance before calling it impossible.
TESTED_RECOVERY_TOLERANCE = Decimal("0.03")
# Kernel / raw nuts outside this band is suspicious: accepted, warned and flagged.
KERNEL_RATIO_LOW, KERNEL_RATIO_HIGH = Decimal("0.21"), Decimal("0.29")

# Kernel grades: AFI specifications and TCVN 4850:2010.
KERNEL_GRADES = frozenset(
    {
        "W180",
        "W210",
        "W240",
        "W280",
        "W320",
        "W400",
        "W450",
        "W500",
        "SW",
        "SW240",
        "SW320",
        "SSW",
        "DW",
        "WB",
        "WS",
        "SB",
        "SS",
        "LP",
        "LWP",
        "SP",
        "SWP",
        "BB",
    }
)

# Packed as 50 lb (22.68 kg) cartons (DOMAIN.md, Kernels): a label's net weight.
CARTON_LB = Decimal("50")
CARTON_KG = Decimal("22.68")

# --- Imports ---------------------------------------------------------------------
DOCUMENT_TYPES = frozenset(
    {
        "invoice",
        "packing_list",
        "bill_of_lading",
        "certificate_of_origin",
        "phytosanitary_certificate",
        "fumigation_certificate",
        "quality_certificate",
        "aflatoxin_test",
        "contract",
        "other",
    }
)
