"""The buyer's view of a labelled lot (SPEC §7): what a carton's QR code leads to.

It tells where the nuts grew (countries, legacy districts of Bình Phước, how many
farms), when they were harvested, who processed them, what they are certified,
how good the raw nuts were, and that the records are in the public ledger. It
never tells who the farmers are, which farms, communes or phones, nor prices.
"""

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlmodel import Session, col

from .. import clock
from ..anchoring import Anchored
from ..anchoring.models import LedgerCheckpoint
from ..corrections.service import corrected, corrections_for
from ..countries import country_name
from ..errors import BadRequest, NotFound
from ..labels.gtin import digital_link, element_string, has_valid_check_digit, lot_for_gtin
from ..lots.lineage import Lineage, ancestry
from ..lots.models import Lot, LotOrigin
from ..oversight.models import Recall, RecallLot
from ..parties.models import Party, Role
from ..places import CURRENT_PROVINCE, DISTRICTS, LEGACY_PROVINCE
from ..processing.models import Batch
from ..processing.quality import kernel_recovery, raw_nut_figures
from ..production.models import Harvest
from ..trade.models import Shipment, ShipmentLot
from .ledger_check import creating_record, label_of, latest_checkpoint, ledger_check, reload
from .schemas import (
    BuyerView,
    Company,
    CountryShare,
    DistrictShare,
    HarvestDates,
    LedgerCheck,
    Origin,
    RawNutQuality,
    RecallNotice,
    ShipmentInfo,
    VietnamOrigin,
)

K = TypeVar("K", bound=Hashable)
DOMESTIC = "VN"
GTIN_LENGTHS = (8, 12, 13, 14)  # GTIN-8/12/13 are GTIN-14s with leading zeros (GS1 Digital Link)
IN_CHUNK = 5000
COMPANY_ROLES = (Role.processor, Role.trader)


def normalise_gtin(gtin: str) -> str:
    """The GTIN-14 a scanned GTIN names; BadRequest when it is not a GTIN (a syntax error of the URI,
    which a GS1 resolver answers with 400), whether by its characters, its length or its check digit."""
    if not gtin.isascii() or not gtin.isdigit() or len(gtin) not in GTIN_LENGTHS:
        raise BadRequest(f"{gtin[:40]!r} is not a GTIN (8, 12, 13 or 14 digits)", code="invalid_gtin")
    if not has_valid_check_digit(gtin):
        raise BadRequest(
            f"{gtin} is not a GTIN: its check digit is wrong (check the code printed on the carton)",
            code="invalid_gtin",
        )
    return gtin.zfill(14)


@dataclass(frozen=True)
class BuyerPage:
    """A buyer's view with what it depends on, so that a cache can tell whether it still holds.

    Every write that changes what the view says appends an entry naming one of ``watched``
    (a lot of the lineage, or a record a correction would name: SPEC §5.2's data keys);
    ``checked`` are the records the ledger check covers, to check them again against a newer
    checkpoint.
    """

    view: BuyerView
    watched: frozenset[str]
    checked: tuple[tuple[str, str], ...]  # (entry type, record id)


def buyer_view(session: Session, *, gtin: str, lot_id: str, base_url: str = "") -> BuyerView:
    """The public view of the lot a scanned (GTIN, lot) pair names; NotFound for an unknown pair.

    ``base_url`` prefixes the links (the ledger, the provenance bundle) given in the view.
    The ledger check is against the latest signed checkpoint.
    """
    return buyer_page(session, gtin=gtin, lot_id=lot_id, base_url=base_url, checkpoint=latest_checkpoint(session)).view


def buyer_page(
    session: Session, *, gtin: str, lot_id: str, base_url: str, checkpoint: LedgerCheckpoint | None
) -> BuyerPage:
    """``buyer_view`` with its dependencies, the ledger check done against ``checkpoint``."""
    gtin = normalise_gtin(gtin)
    lot, item = lot_for_gtin(session, gtin=gtin, lot_id=lot_id)
    record = creating_record(session, lot)
    label = label_of(session, lot.lot_id)
    lineage = ancestry(session, lot.lot_id)
    batch = _nearest_batch(session, lineage, record)
    labellers = {lot.owner_id} | {r.entry_by() for r in (record, batch, label) if r is not None}
    if item.party_id not in labellers:  # someone else's GTIN for the same product and grade
        raise NotFound(f"no product {gtin} with lot {lot_id}")
    checked = list({id(r): r for r in (record, batch, label) if r is not None}.values())  # what made and labelled it
    base = base_url.rstrip("/")
    provenance_url = f"{base}/api/v1/lots/{lot.lot_id}/provenance"
    origin = _origin(session, lot.lot_id)
    lots = list(lineage.lots())
    view = BuyerView(
        gtin=gtin,
        lot_id=lot.lot_id,
        element_string=element_string(gtin, lot.lot_id),
        digital_link=digital_link(base, gtin, lot.lot_id),
        product=lot.product,
        grade=lot.grade,
        quantity_kg=float(Decimal(_made_g(session, record, lot)) / 1000),
        packed_on=lot.produced_on,
        origin=origin,
        harvest=_harvest_dates(session, lineage),
        imports=[c for c in origin.countries if c.imported],
        processor=_company(session, batch.party_id if batch else item.party_id),
        certifications=list(lot.certifications),
        raw_nuts=_raw_nuts(session, lineage),
        kernel_yield_pct=_kernel_yield_pct(lineage, batch),
        shipment=_shipment(session, [lot.lot_id for lot in lots]),
        recall=_recall(session, lot.lot_id),
        ledger=ledger_check(
            session,
            checked,
            checkpoint,
            LedgerCheck(
                verified=False,
                checkpoint_size=None,
                records=[],
                checkpoint_url=f"{base}/ledger/checkpoint",
                provenance_url=provenance_url,
                verify_command=f"cashew verify {provenance_url}",
            ),
        ),
    )
    watched = frozenset({lot.lot_id for lot in lots} | {lot.created_by_id for lot in lots})
    return BuyerPage(view, watched, tuple((r.entry_type, r.entry_id()) for r in checked))


def rechecked(session: Session, page: BuyerPage, checkpoint: LedgerCheckpoint | None) -> BuyerPage:
    """The same page with its ledger check done again against ``checkpoint``: the checked records
    are read again as stored now, and their proofs taken in the tree that checkpoint signs."""
    ledger = ledger_check(session, reload(session, page.checked), checkpoint, page.view.ledger)
    return replace(page, view=page.view.model_copy(update={"ledger": ledger}))


def _shipment(session: Session, lot_ids: list[str]) -> ShipmentInfo | None:
    """The latest shipment that carried the lot (or a lot it was taken from)."""
    stmt = (
        select(Shipment)
        .join(ShipmentLot, col(ShipmentLot.shipment_id) == col(Shipment.id))
        .where(col(ShipmentLot.lot_id).in_(lot_ids))
        .order_by(col(Shipment.ledger_index).desc())
        .limit(1)
    )
    shipment = session.scalars(stmt).first()
    if shipment is None:
        return None
    return ShipmentInfo(
        destination_country=shipment.destination_country,
        destination_name=country_name(shipment.destination_country),
        port_of_loading=shipment.port_of_loading,
        shipped_on=shipment.shipped_on,
    )


def _recall(session: Session, lot_id: str) -> RecallNotice | None:
    """The first recall that reached the lot (a lot is recalled once; later recalls change nothing)."""
    stmt = (
        select(Recall, Party)
        .join(RecallLot, col(RecallLot.recall_id) == col(Recall.id))
        .join(Party, col(Party.id) == col(Recall.party_id))
        .where(col(RecallLot.lot_id) == lot_id)
        .order_by(col(Recall.ledger_index))
        .limit(1)
    )
    found = session.execute(stmt).first()
    if found is None:
        return None
    recall, party = found
    assert recall.recorded_at is not None, "a recall is anchored"
    return RecallNotice(
        recall_id=recall.id,
        recalled_lot_id=recall.lot_id,
        recalled_on=recall.recorded_at.astimezone(clock.VIETNAM_TIME).date(),
        recalled_by=party.name,
        recalled_by_role=party.role,
    )


def _nearest_batch(session: Session, lineage: Lineage, record: Anchored | None) -> Batch | None:
    if isinstance(record, Batch):
        return record
    nearest = lineage.nearest("batch")
    return None if nearest is None else session.get(Batch, nearest.created_by_id)


def _made_g(session: Session, record: Anchored | None, lot: Lot) -> int:
    """The lot's mass when it was made (what is left of it now is the holder's business)."""
    if isinstance(record, Batch):
        return next((int(o["quantity_g"]) for o in record.outputs if o["lot_id"] == lot.lot_id), lot.quantity_g)
    if isinstance(record, Harvest):
        fixes = corrections_for(session, [record.id]).get(record.id, [])
        return int(corrected(record.entry_data(), fixes)["quantity_g"])
    made = getattr(record, "quantity_g", None)  # imports and splits
    return lot.quantity_g if made is None else int(made)


def tenths(weights: Mapping[K, float]) -> dict[K, int]:
    """Shares in tenths of a percent that add up to exactly 1000 (largest remainder)."""
    total = sum(weights.values())
    if total <= 0:
        return {k: 0 for k in weights}
    exact = {k: w / total * 1000 for k, w in weights.items()}
    result = {k: int(v) for k, v in exact.items()}
    order = sorted(exact, key=lambda k: (result[k] - exact[k], str(k)))  # largest remainder first
    for k in order[: 1000 - sum(result.values())]:
        result[k] += 1
    return result


def _origin(session: Session, lot_id: str) -> Origin:
    stmt = select(col(LotOrigin.country), col(LotOrigin.district), col(LotOrigin.farm_id), col(LotOrigin.share)).where(
        col(LotOrigin.lot_id) == lot_id
    )
    rows = session.execute(stmt).all()
    weights: dict[tuple[str, str | None], float] = defaultdict(float)
    farms = set()
    for country, district, farm_id, share in rows:
        weights[(country, district if country == DOMESTIC else None)] += share
        if country == DOMESTIC and farm_id is not None:
            farms.add(farm_id)
    parts = tenths(weights)
    by_country: dict[str, int] = defaultdict(int)
    for (country, _), part in parts.items():
        by_country[country] += part
    countries = [
        CountryShare(code=c, name=country_name(c), share_pct=t / 10, imported=c != DOMESTIC)
        for c, t in sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    districts = [
        DistrictShare(code=d, name=DISTRICTS[d].name if d in DISTRICTS else d, share_pct=t / 10)
        for (c, d), t in sorted(parts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        if c == DOMESTIC and d is not None
    ]
    vietnam = (
        None
        if DOMESTIC not in by_country
        else VietnamOrigin(
            share_pct=by_country[DOMESTIC] / 10,
            legacy_province=LEGACY_PROVINCE,
            current_province=CURRENT_PROVINCE,
            districts=districts,
            farms=len(farms),
        )
    )
    return Origin(countries=countries, vietnam=vietnam)


def _harvest_dates(session: Session, lineage: Lineage) -> HarvestDates | None:
    """First and last day of the harvests the lot comes from, as corrected."""
    ids = [r.lot.created_by_id for r in lineage.roots if r.lot.created_by_type == "harvest"]
    if not ids:
        return None
    harvests: list[tuple[str, date]] = []
    for start in range(0, len(ids), IN_CHUNK):
        stmt = select(col(Harvest.id), col(Harvest.harvested_on)).where(
            col(Harvest.id).in_(ids[start : start + IN_CHUNK])
        )
        harvests += [(harvest_id, day) for harvest_id, day in session.execute(stmt)]
    fixes = corrections_for(session, [harvest_id for harvest_id, _ in harvests])
    days = sorted(
        corrected({"harvested_on": day.isoformat()}, fixes.get(harvest_id, []))["harvested_on"]
        for harvest_id, day in harvests
    )
    return HarvestDates(first_on=days[0], last_on=days[-1], harvests=len(days))


def _raw_nuts(session: Session, lineage: Lineage) -> RawNutQuality | None:
    """Mass-weighted latest cutting tests of the raw nuts as they went into the factory."""
    figures = raw_nut_figures(session, lineage)
    if figures is None:
        return None
    outturn = figures.outturn_lbs
    return RawNutQuality(
        outturn_lbs=round(outturn, 1),
        kernel_recovery_pct=round(float(kernel_recovery(Decimal(str(outturn)))) * 100, 1),
        nut_count_per_kg=round(figures.nut_count_per_kg),
        tested_share_pct=round(figures.tested_share * 100, 1),
    )


def _kernel_yield_pct(lineage: Lineage, batch: Batch | None) -> float | None:
    """Kernel out of raw nuts in the batch that made the lot (the factory's yield, below outturn)."""
    if batch is None:
        return None
    products = {lot.lot_id: lot.product for lot in lineage.lots()}
    raw_g = sum(int(i["quantity_g"]) for i in batch.inputs if products.get(i["lot_id"]) == "rcn")
    kernel_g = sum(int(o["quantity_g"]) for o in batch.outputs if o["product"] == "kernel")
    return round(kernel_g / raw_g * 100, 1) if raw_g and kernel_g else None


def _company(session: Session, party_id: str) -> Company | None:
    """A processor or trader (a company, named on its labels); never a farmer, who is a person."""
    party = session.get(Party, party_id)
    if party is None or party.role not in COMPANY_ROLES:
        return None
    district = DISTRICTS[party.district].name if party.district in DISTRICTS else None
    return Company(name=party.name, role=party.role, district=district, country=party.country)


__all__ = ["BuyerPage", "buyer_page", "buyer_view", "country_name", "normalise_gtin", "rechecked", "tenths"]
