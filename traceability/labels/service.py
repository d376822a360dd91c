"""What goes on a carton label (SPEC §7), and the ``label`` entry its first printing writes.

A label names the lot by a GS1 Digital Link URI built from the labeller's GTIN for the
lot's product and grade. The first printing of a lot anchors a ``Label`` record (the
claim "this GTIN and lot were printed, pointing at this URI"); reprints reuse that
record's GTIN and URI, so every carton of a lot carries the same code, and add nothing.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from .. import ids, rules
from ..countries import country_name
from ..errors import NotFound, RuleViolation
from ..lots.models import Lot, LotOrigin
from ..lots.operations import held_lot
from ..parties.models import Party, Role
from ..parties.service import require_role
from ..places import DISTRICTS, LEGACY_PROVINCE
from ..processing.models import Batch
from ..processing.origin import claim_origin, making_batch
from ..units import KG_PER_LB, kilograms
from .gtin import digital_link, element_string, gtin_for
from .models import Label

CARTON_LB, CARTON_KG = rules.CARTON_LB, rules.CARTON_KG
MAX_SHEET_LABELS = 1000  # one request: about 4 s of rendering and 1.4 MB of PDF (docs/benchmarks.md)

PRODUCT_NAMES = {  # product: (English, Vietnamese)
    "kernel": ("Cashew kernels", "Hạt điều nhân"),
    "rcn": ("Raw cashew nuts", "Hạt điều thô"),
    "shell": ("Cashew nut shells", "Vỏ hạt điều"),
    "testa": ("Cashew testa", "Vỏ lụa hạt điều"),
    "reject": ("Cashew kernel rejects", "Hạt điều phế phẩm"),
}
PRODUCT_OF_VIETNAM = "Product of Vietnam"


@dataclass(frozen=True)
class LabelData:
    """Everything printed on one lot's carton label."""

    lot_id: str
    gtin: str
    uri: str  # the GS1 Digital Link URI in the QR code
    element_string: str  # "(01)<GTIN>(10)<lot>"
    product: str
    grade: str | None
    product_name: str  # "Cashew kernels W320"
    product_name_vi: str  # "Hạt điều nhân W320"
    net_weight_kg: Decimal
    net_weight_lb: Decimal | None  # kernels only: cartons are sold by the pound
    origin_line: str  # "Product of Vietnam" or "Côte d'Ivoire 84%, Vietnam 16% (Bình Phước)"
    processor_name: str
    packed_on: date
    certifications: tuple[str, ...]
    first_print: bool  # this printing wrote the lot's ``label`` entry


def label_data(session: Session, *, party: Party, lot_id: str, base_url: str) -> LabelData:
    """The label of a lot the caller holds; writes the ``label`` record on its first printing.

    403 unless the caller is a processor or trader holding the lot, 404 for an unknown lot,
    409 ``no_gs1_prefix`` when a GTIN must be assigned and the caller has no GS1 company prefix.
    """
    require_role(party, Role.processor, Role.trader)
    lot = held_lot(session, party=party, lot_id=lot_id, for_update=False)
    label = session.scalars(select(Label).where(col(Label.lot_id) == lot.lot_id)).first()
    first_print = label is None
    if label is None:
        gtin = gtin_for(session, party=party, product=lot.product, grade=lot.grade)
        label = Label(
            id=ids.new_id("LBL"),
            lot_id=lot.lot_id,
            gtin=gtin,
            uri=digital_link(base_url, gtin, lot.lot_id),
            party_id=party.id,
        )
        session.add(label)  # anchored by the next flush, in this transaction
        claim_origin(session, lot)
    names = PRODUCT_NAMES.get(lot.product, (lot.product, lot.product))
    suffix = f" {lot.grade}" if lot.grade else ""
    net_kg, net_lb = net_weight(lot)
    return LabelData(
        lot_id=lot.lot_id,
        gtin=label.gtin,
        uri=label.uri,
        element_string=element_string(label.gtin, lot.lot_id),
        product=lot.product,
        grade=lot.grade,
        product_name=names[0] + suffix,
        product_name_vi=names[1] + suffix,
        net_weight_kg=net_kg,
        net_weight_lb=net_lb,
        origin_line=origin_line(session, lot.lot_id),
        processor_name=processor_of(session, lot, holder=party).name,
        packed_on=lot.produced_on,
        certifications=tuple(lot.certifications),
        first_print=first_print,
    )


def labels_data(session: Session, *, party: Party, lot_ids: Sequence[str], base_url: str) -> list[LabelData]:
    """Labels for a sheet, in order; a lot named twice is printed twice. Any refusal refuses all."""
    cache: dict[str, LabelData] = {}
    for lot_id in lot_ids:
        if lot_id not in cache:
            cache[lot_id] = label_data(session, party=party, lot_id=lot_id, base_url=base_url)
    return [cache[lot_id] for lot_id in lot_ids]


def holder_of(session: Session, lot_ids: Sequence[str]) -> Party:
    """The one party holding all these lots (the printer of a sheet run from the command line)."""
    holders: set[str] = set()
    for lot_id in dict.fromkeys(lot_ids):
        lot = session.get(Lot, lot_id)
        if lot is None:
            raise NotFound(f"no lot {lot_id!r}")
        holders.add(lot.owner_id)
    if len(holders) != 1:
        raise RuleViolation(
            f"these lots are held by {len(holders)} different parties; print each holder's lots on its own sheet",
            code="several_holders",
        )
    party = session.get(Party, holders.pop())
    if party is None:  # pragma: no cover - a foreign key guarantees it
        raise NotFound("the lots' holder is not a registered party")
    return party


def net_weight(lot: Lot) -> tuple[Decimal, Decimal | None]:
    """Kernels: one 50 lb carton (less if the lot holds less). Other products: the lot's mass."""
    lot_kg = kilograms(lot.quantity_g)
    if lot.product != "kernel":
        return lot_kg, None
    if lot_kg >= CARTON_KG:
        return CARTON_KG, CARTON_LB
    return lot_kg, (lot_kg / KG_PER_LB).quantize(Decimal("0.01"), ROUND_HALF_UP)


def origin_line(session: Session, lot_id: str) -> str:
    """ "Product of Vietnam" for all-Vietnamese nuts, else each country's share, largest first."""
    rows = session.execute(  # columns, not ORM objects: a blend has a row per farm
        select(col(LotOrigin.country), col(LotOrigin.district), col(LotOrigin.share))
        .where(col(LotOrigin.lot_id) == lot_id)
        .order_by(col(LotOrigin.id))
    ).all()
    shares: dict[str, float] = defaultdict(float)
    provinces: dict[str, set[str]] = defaultdict(set)
    for country, district, share in rows:
        shares[country] += share
        if district in DISTRICTS:
            provinces[country].add(LEGACY_PROVINCE)
    if not shares:
        return "Origin not recorded"
    if set(shares) == {"VN"}:
        return PRODUCT_OF_VIETNAM
    percents = whole_percents(shares)
    parts = []
    for country in sorted(shares, key=lambda c: (-shares[c], country_name(c))):
        pct = f"{percents[country]}%" if percents[country] else "<1%"
        where = f" ({', '.join(sorted(provinces[country]))})" if provinces[country] else ""
        parts.append(f"{country_name(country)} {pct}{where}")
    return ", ".join(parts)


def whole_percents(shares: dict[str, float]) -> dict[str, int]:
    """Shares as whole percents that add up to 100 (largest remainder)."""
    total = sum(shares.values()) or 1.0
    exact = {k: v * 100 / total for k, v in shares.items()}
    percents = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - percents[k], reverse=True)[: 100 - sum(percents.values())]:
        percents[k] += 1
    return percents


def processor_of(session: Session, lot: Lot, *, holder: Party) -> Party:
    """The party whose batch made the lot (through any splits); the holder for lots no batch made."""
    batch_id = making_batch(session, lot)
    batch = session.get(Batch, batch_id) if batch_id else None
    party = session.get(Party, batch.party_id) if batch else None
    return party or holder


def sheet_lot_ids(lots: str) -> list[str]:
    """The lots of a sheet request ("A,B,C"), in order; at most ``MAX_SHEET_LABELS``."""
    lot_ids = [lot_id.strip() for lot_id in lots.split(",") if lot_id.strip()]
    if not lot_ids:
        raise RuleViolation("name the lots to print: lots=LOT1,LOT2,…", code="no_lots")
    if len(lot_ids) > MAX_SHEET_LABELS:
        raise RuleViolation(
            f"{len(lot_ids)} labels asked for; a sheet holds at most {MAX_SHEET_LABELS}, so split the request",
            code="too_many_labels",
        )
    return lot_ids
