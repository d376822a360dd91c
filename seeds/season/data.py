"""The distributions a generated province season is drawn from (DOMAIN.md), in one place.

Figures marked "DOMAIN.md" are quoted from it; the others are estimates chosen to be
consistent with it, said so beside them (docs/decisions.md explains the choices).
Pure data: ``draws`` samples them, ``plan`` and the story turn the samples into
service calls.
"""

from decimal import Decimal

# --- Places (DOMAIN.md: cashew concentrates in Bù Đăng, Bù Gia Mập, Phú Riềng and Đồng Phú) ----------
# Share of the province's cashew farms per legacy district: 70 % in the four cashew districts (estimate).
DISTRICT_WEIGHTS = {
    "bu-dang": 0.26,
    "bu-gia-map": 0.18,
    "phu-rieng": 0.13,
    "dong-phu": 0.13,
    "bu-dop": 0.06,
    "loc-ninh": 0.06,
    "phuoc-long": 0.05,
    "hon-quan": 0.04,
    "chon-thanh": 0.03,
    "dong-xoai": 0.03,
    "binh-long": 0.03,
}
# Where processors stand: the industrial zones of Đồng Xoài, Chơn Thành and Đồng Phú, and the cashew districts.
PROCESSOR_DISTRICT_WEIGHTS = {
    "dong-xoai": 0.16,
    "chon-thanh": 0.14,
    "dong-phu": 0.14,
    "bu-dang": 0.14,
    "phu-rieng": 0.10,
    "bu-gia-map": 0.08,
    "hon-quan": 0.06,
    "loc-ninh": 0.06,
    "phuoc-long": 0.05,
    "binh-long": 0.04,
    "bu-dop": 0.03,
}
COMMUNES = {  # a few communes of each legacy district (free text on the farm; not on the ledger)
    "bu-dang": ["Đức Liễu", "Minh Hưng", "Bom Bo", "Thống Nhất", "Nghĩa Trung", "Thọ Sơn"],
    "bu-gia-map": ["Bù Gia Mập", "Đăk Ơ", "Phú Nghĩa", "Đa Kia", "Phước Minh"],
    "phu-rieng": ["Phú Riềng", "Bù Nho", "Long Hà", "Long Tân", "Phước Tân"],
    "dong-phu": ["Tân Tiến", "Tân Lợi", "Thuận Lợi", "Đồng Tâm", "Tân Phước"],
    "bu-dop": ["Thanh Hòa", "Thiện Hưng", "Hưng Phước", "Tân Thành"],
    "loc-ninh": ["Lộc Hưng", "Lộc Thái", "Lộc Tấn", "Lộc Thạnh", "Lộc An"],
    "phuoc-long": ["Long Giang", "Phước Tín", "Sơn Giang"],
    "hon-quan": ["Tân Khai", "Thanh An", "An Khương", "Minh Đức"],
    "chon-thanh": ["Minh Hưng", "Nha Bích", "Minh Thành"],
    "dong-xoai": ["Tiến Hưng", "Tân Thành", "Tiến Thành"],
    "binh-long": ["Thanh Lương", "Thanh Phú"],
}

# --- Farms (DOMAIN.md: ~75,000 households, ~150,000 ha, about 2 ha each, lognormal 0.3–10 ha, a few estates) --
FARM_HA_MU, FARM_HA_SIGMA = 0.45, 0.65  # median 1.57 ha; truncated to 0.3–10 ha the mean is 1.93 ha
FARM_HA_MIN, FARM_HA_MAX = 0.3, 10.0
ESTATE_SHARE = 0.002  # estates of 20–50 ha: with them the mean farm is 2.0 ha (150,000 ha for 75,000 farms)
ESTATE_HA_MIN, ESTATE_HA_MAX = 20.0, 50.0
SECOND_PLOT_SHARE = 0.13  # households farming a second plot (estimate): 75,000 farms ≈ 66,000 households
IMPROVED_SHARE = 0.15  # farms of PN1, AB 0508, AB 29 (estimate; gives the province mean of 1.0–1.3 t/ha)
IMPROVED_VARIETIES = ["PN1", "AB 0508", "AB 29"]
# DOMAIN.md: 1.0–1.3 t/ha on average, 2–3 t/ha for improved varieties. A farm's own season:
TRADITIONAL_T_PER_HA = (0.95, 0.22, 0.45, 1.8)  # mean, sd, clipped to min–max
IMPROVED_T_PER_HA = (2.0, 3.0)  # uniform; above 2.5 t/ha the platform flags the farm (rules.py), as it should
# Pickings: 1–4 a season between February and June, peaking in March (DOMAIN.md).
PICKINGS = {1: 0.15, 2: 0.35, 3: 0.35, 4: 0.15}
HARVEST_START, HARVEST_DAYS, HARVEST_MODE_DAY = (2, 1), 150, 40  # 1 Feb + 0..149 days, mode 12 March
MOISTURE_MEASURED_SHARE = 0.2  # most smallholders own no meter (SPEC §6.1)
# Bình Phước nuts: outturn 50–55 lbs, 160–200 nuts per kg (DOMAIN.md).
DOMESTIC_OUTTURN_LBS, DOMESTIC_NUTS_PER_KG = (50.0, 55.0), (160, 200)
# Certificates by share of farms: ~3,500 ha organic of ~150,000 (DOMAIN.md: 2.3 %); the others estimates.
CERTIFICATE_SHARES = {
    "organic-eu": 0.016,
    "organic-us": 0.007,
    "vietgap": 0.05,
    "rainforest-alliance": 0.015,
    "fairtrade": 0.005,
    "globalgap": 0.003,
}
CERTIFICATE_PREFIX = {
    "organic-eu": "EU-ORG-VN",
    "organic-us": "NOP-VN",
    "vietgap": "VG-BP",
    "rainforest-alliance": "RA-VN",
    "fairtrade": "FLO",
    "globalgap": "GGN",
}
LAPSED_SHARE = 0.03  # certificates that lapse during the harvest, not renewed (the platform flags them)

# --- Custody (DOMAIN.md: farm gate, collectors, processors) -----------------------------------------------
VIA_COLLECTOR_SHARE = 0.7  # households selling to a collector (thương lái) rather than to a factory (estimate)
SALE_DELAY_DAYS = (1, 4)  # nuts are sold within days of picking (farmers need the cash; estimate)
TRUCK_EVERY_DAYS = 3  # a collector sends its stock to a factory every few days
FARM_GATE_LOSS = (0.0, 0.006)  # weighed at purchase: dust and a little moisture
TRUCK_LOSS = (0.002, 0.015)
TRUCK_LOSS_FLAGGED = (0.021, 0.03)  # torn bags, wet nuts: above 2 % the platform flags the transfer
TRUCK_LOSS_FLAGGED_SHARE = 0.003
TESTED_DIRECT_SHARE = 0.1  # factories cut-test one lot of every collector's truck and a tenth of farmers' lots
SAMPLE_G = Decimal(1000)  # a cutting test's sample (DOMAIN.md: ~1 kg)

# --- Processing (DOMAIN.md) ----------------------------------------------------------------------------------
# Processors in the province: ~430 processor-exporters among ~1,400 cashew businesses (DOMAIN.md); the
# others are taken as traders: collectors, and a tenth of them exporters buying kernels on the exchange.
PROCESSORS_PER_FARM = 430 / 75_000
MAX_PROCESSORS = 4000  # each gets a GS1 company prefix of its own, 8936000 to 8939999
TRADERS_PER_FARM = 970 / 75_000
EXPORTER_SHARE = 0.1
PROCESSOR_SIZE_SIGMA = 0.8  # lognormal spread of factory sizes (estimate)
LOCAL_SHARE = 0.30  # DOMAIN.md: local nuts cover ~30 % of processing; the rest is imported
CONTAINER_T = (24.0, 27.0)  # DOMAIN.md: 20/40 ft containers of about 26 t
IMPORT_MONTHS = {1: 0.06, 2: 0.08, 3: 0.12, 4: 0.16, 5: 0.18, 6: 0.17, 7: 0.13, 8: 0.10}  # West African crop
# Imports by origin (DOMAIN.md: Côte d'Ivoire ~a third, Cambodia ~a fifth; the others estimates), with
# outturn (lbs) and nut count ranges (DOMAIN.md where given, estimates for Benin, Burkina Faso, Indonesia).
ORIGINS = {
    "CI": (0.33, (45.0, 48.0), (195, 210)),
    "KH": (0.20, (48.0, 51.0), (180, 220)),
    "GH": (0.10, (45.5, 47.0), (195, 205)),
    "NG": (0.09, (49.0, 51.0), (180, 190)),
    "TZ": (0.07, (52.0, 54.0), (170, 190)),
    "GW": (0.06, (52.0, 54.0), (205, 220)),
    "BJ": (0.06, (46.0, 49.0), (190, 205)),
    "BF": (0.05, (45.0, 48.0), (195, 210)),
    "ID": (0.04, (49.0, 52.0), (175, 195)),
}
SUPPLIERS = {
    "CI": ["Abidjan", "San-Pédro"],
    "KH": ["Kampong Thom", "Kratie", "Phnom Penh"],
    "GH": ["Tema", "Takoradi"],
    "NG": ["Lagos"],
    "TZ": ["Mtwara", "Dar es Salaam"],
    "GW": ["Bissau"],
    "BJ": ["Cotonou"],
    "BF": ["Bobo-Dioulasso"],
    "ID": ["Surabaya", "Kupang"],
}
BATCH_T = (60.0, 140.0)  # a factory's run: at least 60 t of raw nuts, at most a 40 ft container of kernel
BATCH_MAX_INPUTS = 400
PROCESS_EVERY_DAYS = 4  # factories start a run every four days when they hold enough nuts
PROCESSING_START = (2, 15)
FACTORY_FACTOR = (0.85, 0.95)  # DOMAIN.md: the factory's kernel yield is 0.85–0.95 of the tested recovery
KERNEL_RATIO_BOUNDS = (0.215, 0.285)  # kept inside the platform's expected 21–29 % band
TESTA_SHARE, MOISTURE_LOSS = (0.02, 0.03), (0.03, 0.05)  # DOMAIN.md; the shell is the rest (~70 %)
# Kernel grades of a factory's output (DOMAIN.md: wholes 70–80 %, mostly W320 and W240; butts and splits
# 10–15 %; pieces 8–12 %): the means, each batch drawn around them.
GRADE_MIX = {"W240": 0.24, "W320": 0.40, "W450": 0.11, "WS": 0.13, "LP": 0.08, "SP": 0.04}

# --- Trade (DOMAIN.md, Kernels and Trade) -------------------------------------------------------------------
CONTAINER_KERNEL_G = 1500 * 22_680  # a 40 ft container: 1,500 cartons of 50 lb (22.68 kg)
TRADED_SHARE = 0.3  # batches whose W240 and W320 an exporter buys on the exchange (estimate)
FOB_USD_PER_LB = {"W240": (3.05, 3.35), "W320": (2.80, 3.15)}  # mid-2024
SHIP_AFTER_DAYS = (7, 21)
# Destinations of kernel (DOMAIN.md: the US takes about a quarter; the others estimates).
DESTINATIONS = {
    "US": 0.25,
    "CN": 0.12,
    "NL": 0.08,
    "DE": 0.06,
    "AE": 0.05,
    "GB": 0.04,
    "AU": 0.04,
    "CA": 0.04,
    "RU": 0.04,
    "JP": 0.03,
    "IL": 0.03,
    "FR": 0.03,
    "IT": 0.03,
    "SA": 0.03,
    "KR": 0.03,
    "ES": 0.02,
    "TH": 0.02,
    "BE": 0.02,
    "PL": 0.02,
    "NZ": 0.02,
}
EU = {"NL", "DE", "FR", "IT", "ES", "BE", "PL"}  # their buyers ask for an aflatoxin test (DOMAIN.md)
PHYTOSANITARY = {"CN", "AU", "NZ", "JP", "KR", "IL"}  # some buyers ask for a phytosanitary certificate
PORTS = {"VNCLI": 0.8, "VNSGN": 0.2}  # Cát Lái, Hồ Chí Minh City
CARRIERS = ["MSCU", "MAEU", "CMAU", "OOLU", "HLXU", "EGHU", "TGHU", "ONEU", "SEGU", "TCNU"]
SEASON_END = (9, 30)  # the story ends when the season's nuts are mostly processed and shipped

# --- People's names (parties only: never on the ledger) ---------------------------------------------------
FAMILY_NAMES = {
    "Nguyễn": 0.36,
    "Trần": 0.11,
    "Lê": 0.09,
    "Phạm": 0.07,
    "Hoàng": 0.05,
    "Võ": 0.04,
    "Phan": 0.04,
    "Đặng": 0.03,
    "Bùi": 0.03,
    "Đỗ": 0.03,
    "Huỳnh": 0.03,
    "Ngô": 0.02,
    "Điểu": 0.06,  # S'tiêng families of Bù Đăng, Bù Gia Mập and Phú Riềng
    "Lâm": 0.02,
    "Trương": 0.02,
}
GIVEN_NAMES = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Minh",
    "Nam",
    "Nga",
    "Phúc",
    "Phương",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thu",
    "Tiến",
    "Trung",
    "Tuấn",
    "Vân",
    "Việt",
    "Xuân",
    "Yến",
]
