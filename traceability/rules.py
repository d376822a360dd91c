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
