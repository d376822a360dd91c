"""The pages' languages: Vietnamese (the default) and English.

``negotiate`` picks the language (``?lang=`` first, then ``Accept-Language``);
``Texts`` gives a page its strings and the number and date formats of its
language (Vietnamese writes 1.250,5 and 14/03/2026; English 1,250.5 and 14 Mar 2026).
"""

from dataclasses import dataclass
from datetime import date

SUPPORTED = ("vi", "en")
DEFAULT = "vi"

STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "dash_site": "Số liệu ngành điều",
        "dash_title": "Ngành điều Bình Phước (cũ) — mùa vụ {season}",
        "dash_intro": "Số liệu tổng hợp từ hệ thống truy xuất nguồn gốc: sản xuất, chế biến, thương mại. "
        "Không có thông tin cá nhân hay số liệu của từng doanh nghiệp.",
        "dash_season": "Mùa vụ",
        "dash_farms": "Vườn có thu hoạch / đã đăng ký",
        "dash_area": "Diện tích cho thu hoạch",
        "dash_harvest": "Sản lượng thu hoạch",
        "dash_yield": "Năng suất bình quân",
        "dash_domestic": "Điều thô trong nước nhà máy thu mua",
        "dash_imported": "Điều thô nhập khẩu",
        "dash_outturn": "Outturn bình quân (lbs/bao 80 kg)",
        "dash_kernel": "Nhân điều chế biến",
        "dash_exports": "Xuất khẩu",
        "dash_containers": "số container: {n}",
        "dash_monthly": "Dòng chảy theo tháng",
        "dash_by_district": "Sản lượng theo huyện, thị (địa giới trước 7/2025)",
        "dash_by_grade": "Nhân điều theo cấp hạng (TCVN 4850)",
        "dash_by_origin": "Điều thô nhập khẩu theo nước xuất xứ",
        "dash_by_destination": "Xuất khẩu theo nước đến",
        "dash_numbers": "Xem số liệu",
        "dash_no_data": "Chưa có số liệu cho mùa vụ này.",
        "flow_harvest": "Thu hoạch",
        "flow_received": "Nhà máy thu mua",
        "flow_imported": "Nhập khẩu",
        "flow_kernel": "Nhân điều",
        "flow_exported": "Xuất khẩu",
        "site": "Truy xuất nguồn gốc hạt điều",
        "brand": "Truy xuất nguồn gốc",
        "switch_to": "English",
        "product": "Sản phẩm",
        "lot_size": "Khối lượng lô",
        "packed_on": "Ngày đóng gói",
        "shipped": "Xuất khẩu đến",
        "shipped_from": "Cảng xếp hàng",
        "verified_badge": "Đã đối chiếu với sổ cái công khai",
        "unverified_badge": "Chưa đối chiếu được với sổ cái",
        "origin": "Xuất xứ",
        "imported": "nhập khẩu",
        "of_lot": "của lô",
        "legacy_province": "Tỉnh {legacy} (cũ), nay thuộc tỉnh {current}",
        "districts": "Vùng trồng theo huyện, thị (địa giới trước 7/2025)",
        "farms": "Từ {n} vườn điều",
        "farm_one": "Từ 1 vườn điều",
        "journey": "Hành trình",
        "harvest_dates": "Ngày thu hoạch",
        "harvests": "{n} lần thu hoạch",
        "imports": "Hạt điều thô nhập khẩu",
        "processor": "Nhà chế biến",
        "trader": "Doanh nghiệp thương mại",
        "certifications": "Chứng nhận",
        "no_certifications": "Lô này không công bố chứng nhận nào.",
        "claims_rule": "Một chứng nhận chỉ được giữ khi mọi nguyên liệu của lô đều có chứng nhận đó.",
        "quality": "Chất lượng hạt điều thô",
        "outturn": "Tỷ lệ thu hồi nhân (outturn)",
        "outturn_unit": "lbs/bao 80 kg",
        "kernel_recovery": "Tỷ lệ nhân",
        "nut_count": "Số hạt/kg",
        "kernel_yield": "Tỷ lệ nhân thành phẩm của mẻ chế biến",
        "not_tested": "Chưa kiểm tra (không có phép thử cắt hạt)",
        "tested_share": "Theo phép thử cắt hạt trên {pct} khối lượng hạt thô.",
        "identifiers": "Mã truy xuất",
        "lot": "Số lô",
        "gtin": "GTIN",
        "element_string": "Chuỗi mã GS1",
        "recall_title": "THU HỒI SẢN PHẨM",
        "recall_text": "Lô này đã bị thu hồi ngày {date} bởi {party}. Không ăn, không bán tiếp và không sử "
        "dụng sản phẩm; hãy liên hệ người bán.",
        "recall_source": "Lô bị phát hiện có vấn đề: {lot} (lô này hoặc nguyên liệu của nó). Mã thu hồi {recall}.",
        "ledger": "Sổ cái công khai",
        "ledger_ok": "Máy chủ đã đối chiếu: các bản ghi dưới đây của lô có trong sổ cái đã ký "
        "tại checkpoint {size}, không bị sửa từ khi được ghi.",
        "ledger_failed": "Máy chủ chưa đối chiếu được bản ghi của lô này với sổ cái.",
        "key_id": "Mã khoá ký",
        "witnessed_by": "Các bên chứng kiến độc lập đã đồng ký điểm kiểm tra này",
        "ledger_record": "mục {index}",
        "entry_batch": "mẻ chế biến",
        "entry_label": "nhãn",
        "entry_split": "tách lô",
        "entry_harvest": "thu hoạch",
        "entry_import": "nhập khẩu",
        "verify_yourself": "Tự kiểm tra, không cần tin máy chủ: tải gói nguồn gốc của lô rồi chạy",
        "bundle": "Gói nguồn gốc (JSON)",
        "footer": "Các bản ghi được neo trong một sổ cái công khai (RFC 9162): "
        "không thể sửa hay xoá mà không bị phát hiện.",
        "checkpoint_link": "Xem checkpoint mới nhất",
        "privacy": "Trang này không hiển thị thông tin cá nhân của nông hộ.",
        "not_found_title": "Không tìm thấy sản phẩm",
        "not_found": "Không có sản phẩm nào với mã GTIN {gtin} và số lô {lot}.",
        "not_found_hint": "Hãy kiểm tra lại mã in trên thùng hàng, hoặc liên hệ người bán.",
        "bad_gtin_title": "Mã sản phẩm không hợp lệ",
        "bad_gtin": "{gtin} không phải là mã GTIN: chữ số kiểm tra không đúng, "
        "hoặc mã không đủ 8, 12, 13 hay 14 chữ số.",
        "bad_gtin_hint": "Mã có thể bị quét hoặc gõ sai. Hãy quét lại mã QR trên thùng hàng.",
        "product_kernel": "Hạt điều nhân",
        "product_rcn": "Hạt điều thô",
        "product_shell": "Vỏ hạt điều",
        "product_testa": "Vỏ lụa hạt điều",
        "product_reject": "Nhân điều loại",
        "per_lb": "{count} nhân/lb",
    },
    "en": {
        "dash_site": "Cashew sector figures",
        "dash_title": "Cashew in former Bình Phước — season {season}",
        "dash_intro": "Aggregate figures from the traceability system: production, processing, trade. "
        "No personal data and no single company's figures.",
        "dash_season": "Season",
        "dash_farms": "Farms harvesting / registered",
        "dash_area": "Area harvested",
        "dash_harvest": "Harvest",
        "dash_yield": "Mean yield",
        "dash_domestic": "Domestic raw nuts received by factories",
        "dash_imported": "Raw nuts imported",
        "dash_outturn": "Mean outturn (lbs per 80 kg bag)",
        "dash_kernel": "Kernel produced",
        "dash_exports": "Exports",
        "dash_containers": "containers: {n}",
        "dash_monthly": "Monthly flows",
        "dash_by_district": "Harvest by district (boundaries before July 2025)",
        "dash_by_grade": "Kernel by grade (AFI / TCVN 4850)",
        "dash_by_origin": "Raw-nut imports by origin",
        "dash_by_destination": "Exports by destination",
        "dash_numbers": "Show the figures",
        "dash_no_data": "No figures for this season yet.",
        "flow_harvest": "Harvest",
        "flow_received": "Received",
        "flow_imported": "Imported",
        "flow_kernel": "Kernel",
        "flow_exported": "Exported",
        "site": "Cashew traceability",
        "brand": "Cashew traceability",
        "switch_to": "Tiếng Việt",
        "product": "Product",
        "lot_size": "Lot size",
        "packed_on": "Packed on",
        "shipped": "Shipped to",
        "shipped_from": "Port of loading",
        "verified_badge": "Checked against the public ledger",
        "unverified_badge": "Not yet checked against the ledger",
        "origin": "Origin",
        "imported": "imported",
        "of_lot": "of the lot",
        "legacy_province": "{legacy} province (former), now part of {current} province",
        "districts": "Growing areas by district (boundaries before July 2025)",
        "farms": "From {n} farms",
        "farm_one": "From 1 farm",
        "journey": "Journey",
        "harvest_dates": "Harvest dates",
        "harvests": "{n} harvests",
        "imports": "Imported raw nuts",
        "processor": "Processor",
        "trader": "Trader",
        "certifications": "Certifications",
        "no_certifications": "No certification is claimed for this lot.",
        "claims_rule": "A certification is kept only if every input of the lot carries it.",
        "quality": "Raw nut quality",
        "outturn": "Kernel outturn",
        "outturn_unit": "lbs per 80 kg bag",
        "kernel_recovery": "Kernel recovery",
        "nut_count": "Nuts per kg",
        "kernel_yield": "Kernel yield of the processing batch",
        "not_tested": "Not tested (no cutting test recorded)",
        "tested_share": "From cutting tests on {pct} of the raw nuts by mass.",
        "identifiers": "Identifiers",
        "lot": "Lot",
        "gtin": "GTIN",
        "element_string": "GS1 element string",
        "recall_title": "PRODUCT RECALL",
        "recall_text": "This lot was recalled on {date} by {party}. Do not eat, sell or use it; contact the seller.",
        "recall_source": "The lot found unsafe: {lot} (this lot or one it was made from). Recall {recall}.",
        "ledger": "Public ledger",
        "ledger_ok": "Checked by the server: this lot's records below are in the ledger signed "
        "at checkpoint {size}, unchanged since they were recorded.",
        "ledger_failed": "The server could not check this lot's records against the ledger.",
        "key_id": "Signing key id",
        "witnessed_by": "Independent witnesses who cosigned this checkpoint",
        "ledger_record": "entry {index}",
        "entry_batch": "processing batch",
        "entry_label": "label",
        "entry_split": "split",
        "entry_harvest": "harvest",
        "entry_import": "import",
        "verify_yourself": "Check it yourself, without trusting the server: "
        "download the lot's provenance bundle and run",
        "bundle": "Provenance bundle (JSON)",
        "footer": "Records are anchored in a public ledger (RFC 9162): they cannot be changed or removed unnoticed.",
        "checkpoint_link": "See the latest checkpoint",
        "privacy": "This page shows no personal data about the farmers.",
        "not_found_title": "Product not found",
        "not_found": "There is no product with GTIN {gtin} and lot {lot}.",
        "not_found_hint": "Check the code printed on the carton, or ask the seller.",
        "bad_gtin_title": "Not a valid product code",
        "bad_gtin": "{gtin} is not a GTIN: its check digit is wrong, or it does not have 8, 12, 13 or 14 digits.",
        "bad_gtin_hint": "The code may have been misread or mistyped. Scan the QR code on the carton again.",
        "product_kernel": "Cashew kernels",
        "product_rcn": "Raw cashew nuts",
        "product_shell": "Cashew nut shells",
        "product_testa": "Cashew testa",
        "product_reject": "Rejected kernels",
        "per_lb": "{count} kernels per lb",
    },
}

# Kernel grades (AFI, TCVN 4850:2010): the kind, and for white wholes the count per lb (DOMAIN.md).
GRADE_KINDS: dict[str, tuple[str, str]] = {
    "W": ("Nhân trắng nguyên hạt", "White wholes"),
    "SW": ("Nhân vàng nguyên hạt", "Scorched wholes"),
    "SSW": ("Nhân vàng sém nguyên hạt", "Special scorched wholes"),
    "DW": ("Nhân nám nguyên hạt", "Dessert wholes"),
    "WB": ("Nhân trắng vỡ ngang", "White butts"),
    "WS": ("Nhân trắng vỡ dọc", "White splits"),
    "SB": ("Nhân vàng vỡ ngang", "Scorched butts"),
    "SS": ("Nhân vàng vỡ dọc", "Scorched splits"),
    "LP": ("Mảnh lớn", "Large pieces"),
    "LWP": ("Mảnh lớn", "Large white pieces"),
    "SP": ("Mảnh nhỏ", "Small pieces"),
    "SWP": ("Mảnh nhỏ", "Small white pieces"),
    "BB": ("Mảnh vụn", "Baby bits"),
}
WHOLE_COUNTS = {
    "W180": "≤ 180",
    "W210": "200–210",
    "W240": "220–240",
    "W280": "260–280",
    "W320": "300–320",
    "W400": "350–400",
    "W450": "400–450",
    "W500": "450–500",
}

CERTIFICATIONS: dict[str, tuple[str, str]] = {
    "organic-eu": ("Hữu cơ EU", "EU organic"),
    "organic-us": ("Hữu cơ USDA", "USDA organic"),
    "vietgap": ("VietGAP", "VietGAP"),
    "globalgap": ("GLOBALG.A.P.", "GLOBALG.A.P."),
    "rainforest-alliance": ("Rainforest Alliance", "Rainforest Alliance"),
    "fairtrade": ("Fairtrade", "Fairtrade"),
}

# Vietnamese names of the countries cashew comes from (DOMAIN.md); others keep their English name.
COUNTRIES_VI = {
    "VN": "Việt Nam",
    "KH": "Campuchia",
    "CI": "Bờ Biển Ngà",
    "GH": "Ghana",
    "NG": "Nigeria",
    "GW": "Guinea-Bissau",
    "TZ": "Tanzania",
    "BJ": "Bénin",
    "BF": "Burkina Faso",
    "GN": "Guinea",
    "SN": "Sénégal",
    "TG": "Togo",
    "ML": "Mali",
    "MZ": "Mozambique",
    "KE": "Kenya",
    "IN": "Ấn Độ",
    "ID": "Indonesia",
    "BR": "Brasil",
    "CM": "Cameroon",
    "SL": "Sierra Leone",
    "GM": "Gambia",
    "PH": "Philippines",
    "LA": "Lào",
    "TH": "Thái Lan",
    "MM": "Myanmar",
    # destinations of Vietnam's kernel
    "US": "Hoa Kỳ",
    "CN": "Trung Quốc",
    "NL": "Hà Lan",
    "DE": "Đức",
    "GB": "Anh",
    "AU": "Úc",
    "CA": "Canada",
    "AE": "UAE",
    "RU": "Nga",
    "JP": "Nhật Bản",
    "KR": "Hàn Quốc",
    "IT": "Ý",
    "FR": "Pháp",
    "ES": "Tây Ban Nha",
    "IL": "Israel",
    "SA": "Ả Rập Xê Út",
    "BE": "Bỉ",
    "NZ": "New Zealand",
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def negotiate(lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` wins; else the first supported language of ``Accept-Language`` by weight; else Vietnamese."""
    if lang:
        code = lang.strip().lower()[:2]
        if code in SUPPORTED:
            return code
    ranked = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        code = tag.strip().lower().split("-")[0]
        if code in SUPPORTED and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else DEFAULT


@dataclass(frozen=True)
class Texts:
    """A page's strings and formats in one language."""

    lang: str

    def __call__(self, key: str, **values: object) -> str:
        text = STRINGS[self.lang][key]
        return text.format(**values) if values else text

    @property
    def other(self) -> str:
        return "en" if self.lang == "vi" else "vi"

    @property
    def also(self) -> "Texts":
        """The other language's texts (a recall is told in both)."""
        return Texts(self.other)

    def number(self, value: float, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        return text.translate(str.maketrans(",.", ".,")) if self.lang == "vi" else text

    def kg(self, value: float) -> str:
        """A mass with no more decimals than it has (grams at most)."""
        decimals = next(d for d in range(4) if round(value, d) == round(value, 3))
        return f"{self.number(value, decimals)}\u00a0kg"

    def mass(self, kg: float) -> str:
        """Kilograms up to 10 t, tonnes beyond (the sector thinks in tonnes)."""
        return f"{self.number(kg)}\u00a0kg" if kg < 10_000 else f"{self.number(kg / 1000, 1)}\u00a0t"

    def month(self, month: int) -> str:
        return f"T{month}" if self.lang == "vi" else MONTHS_EN[month - 1]

    def pct(self, value: float) -> str:
        decimals = 0 if float(value).is_integer() else 1
        return self.number(value, decimals) + "%"

    def date(self, day: date) -> str:
        return f"{day:%d/%m/%Y}" if self.lang == "vi" else f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"

    def product(self, product: str) -> str:
        key = f"product_{product}"
        return self(key) if key in STRINGS[self.lang] else product

    def grade(self, grade: str | None) -> str:
        """What a grade code means: 'White wholes · 300–320 kernels per lb'."""
        if not grade:
            return ""
        kind = GRADE_KINDS.get(grade) or GRADE_KINDS.get(grade.rstrip("0123456789"))
        if kind is None:
            return ""
        text = kind[0 if self.lang == "vi" else 1]
        count = WHOLE_COUNTS.get(grade)
        return f"{text} · {self('per_lb', count=count)}" if count else text

    def entry(self, entry_type: str) -> str:
        key = f"entry_{entry_type}"
        return self(key) if key in STRINGS[self.lang] else entry_type

    def certification(self, scheme: str) -> str:
        names = CERTIFICATIONS.get(scheme)
        return scheme if names is None else names[0 if self.lang == "vi" else 1]

    def country(self, code: str, english: str) -> str:
        return COUNTRIES_VI.get(code, english) if self.lang == "vi" else english
