"""What a buyer who scans a carton is told (SPEC §7): claims about the product, never
personal data (no farmer, farm, commune or phone) and never prices.

Every percentage is a share of this lot's mass, rounded to 0.1 so that the country
shares add up to exactly 100 and the districts of Vietnam to Vietnam's share.
"""

from datetime import date, datetime

from pydantic import BaseModel


class CountryShare(BaseModel):
    code: str  # ISO 3166-1 alpha-2
    name: str  # English short name (pages translate)
    share_pct: float
    imported: bool


class DistrictShare(BaseModel):
    code: str
    name: str
    share_pct: float


class VietnamOrigin(BaseModel):
    share_pct: float
    legacy_province: str  # the geographical indication and statistics use it
    current_province: str  # since 1 July 2025
    districts: list[DistrictShare]
    farms: int


class Origin(BaseModel):
    countries: list[CountryShare]
    vietnam: VietnamOrigin | None


class HarvestDates(BaseModel):
    first_on: date
    last_on: date
    harvests: int


class Company(BaseModel):
    name: str
    role: str  # processor or trader
    district: str | None  # the legacy district's name, when known
    country: str


class RawNutQuality(BaseModel):
    """Cutting tests of the raw nuts that went into the factory, weighted by their mass in the lot."""

    outturn_lbs: float  # lbs of good kernel per 80 kg bag
    kernel_recovery_pct: float
    nut_count_per_kg: int
    tested_share_pct: float  # share of the raw nuts (by mass) whose latest test is counted


class LedgerRecord(BaseModel):
    type: str  # the entry type: batch, label, split…
    index: int


class WitnessCosignature(BaseModel):
    """A witness that cosigned the checkpoint the page was checked against (SPEC §5.7)."""

    name: str
    cosigned_at: datetime


class LedgerCheck(BaseModel):
    """The server's own check, repeatable by the buyer with the bundle and ``cashew verify``."""

    verified: bool
    problem: str | None = None  # what failed, when not verified
    checkpoint_size: int | None
    key_id: str | None = None  # 8 hex digits: the signing key named in the checkpoint's signature line
    witnesses: list[WitnessCosignature] = []  # who cosigned that checkpoint, when the log has witnesses
    records: list[LedgerRecord]
    checkpoint_url: str
    provenance_url: str
    verify_command: str


class ShipmentInfo(BaseModel):
    destination_country: str
    destination_name: str
    port_of_loading: str  # UN/LOCODE
    shipped_on: date


class RecallNotice(BaseModel):
    """The lot was recalled (SPEC §6.5): a buyer is told first, in both languages, when and by whom."""

    recall_id: str
    recalled_lot_id: str  # the lot found unsafe: this one, or one it was made from
    recalled_on: date  # Vietnam's date
    recalled_by: str  # the recalling party's name (a regulator or a processor: never a person)
    recalled_by_role: str


class BuyerView(BaseModel):
    gtin: str
    lot_id: str
    element_string: str
    digital_link: str
    product: str
    grade: str | None
    quantity_kg: float  # the lot as made (packed), not what is left of it
    packed_on: date
    origin: Origin
    harvest: HarvestDates | None  # None when no raw nuts come from a recorded harvest
    imports: list[CountryShare]
    processor: Company | None
    certifications: list[str]
    raw_nuts: RawNutQuality | None  # None: not tested
    kernel_yield_pct: float | None  # kernel out of raw nuts in the batch that made the lot
    shipment: ShipmentInfo | None = None  # the container that carried the lot out of Vietnam
    recall: RecallNotice | None = None  # set when a recall reached the lot: the page says so before anything else
    ledger: LedgerCheck
