"""Harvests: each creates a raw-nut lot, within the season's plausible yield."""

from datetime import date
from decimal import Decimal

from sqlalchemy import extract, func, or_, select, true
from sqlmodel import Session, col

from .. import clock, ids, rules
from ..alerts.models import AlertKind
from ..alerts.service import raise_alert
from ..clock import not_in_future
from ..corrections.models import Correction
from ..corrections.service import corrected, corrections_for
from ..errors import NotFound, RuleViolation
from ..lots.models import Lot, LotOrigin, Product
from ..pagination import Page, index_of, paginate
from ..parties.models import Party, Role
from ..units import decimal_text, grams
from .models import Certification, Farm, Harvest
from .schemas import HarvestCreate
from .service import certifications, effective_area_ha, get_farm, owned_farm


def check_moisture(moisture_pct: Decimal) -> None:
    if not rules.MOISTURE_MIN_PCT <= moisture_pct <= rules.MOISTURE_MAX_PCT:
        raise RuleViolation(
            f"moisture {moisture_pct}% is outside {rules.MOISTURE_MIN_PCT}–{rules.MOISTURE_MAX_PCT}%; "
            "measure again (dried nuts read 8–10%, fresh nuts 15–25%)",
            code="moisture_out_of_range",
        )


def check_quantity(quantity_g: int) -> None:
    if quantity_g > grams(rules.MAX_HARVEST_KG):
        raise RuleViolation(
            f"one harvest above {rules.MAX_HARVEST_KG} kg is not plausible; check the unit (kg)",
            code="quantity_implausible",
        )


def season_total_g(session: Session, farm_id: str, season: int, *, excluding: str | None = None) -> int:
    """Sum of the season's harvests on a farm, with corrections applied.

    The sum of the uncorrected harvests is one aggregate over the farm's index; the few
    corrected ones (a correction may move a harvest into or out of the season) are read
    and corrected one by one.
    """
    corrected_ids = select(col(Correction.corrects))
    in_season = (col(Harvest.harvested_on) >= date(season, 1, 1), col(Harvest.harvested_on) <= date(season, 12, 31))
    others = col(Harvest.id) != excluding if excluding is not None else true()
    plain = session.scalar(
        select(func.coalesce(func.sum(col(Harvest.quantity_g)), 0)).where(
            col(Harvest.farm_id) == farm_id, *in_season, others, col(Harvest.id).not_in(corrected_ids)
        )
    )
    fixed = list(
        session.scalars(
            select(Harvest).where(col(Harvest.farm_id) == farm_id, others, col(Harvest.id).in_(corrected_ids))
        )
    )
    total = int(plain or 0)
    fixes = corrections_for(session, [h.id for h in fixed])
    for harvest in fixed:
        values = corrected(harvest.entry_data(), fixes.get(harvest.id, []))
        if int(values["harvested_on"][:4]) == season:
            total += values["quantity_g"]
    return total


def check_season_yield(session: Session, farm: Farm, season: int, total_g: int) -> list[str]:
    """Refuse a season above 4 t/ha; flag one above 2.5 t/ha for regulators."""
    area_ha = effective_area_ha(session, farm)
    t_per_ha = Decimal(total_g) / 1_000_000 / area_ha
    if t_per_ha > rules.SEASON_YIELD_REFUSE_T_PER_HA:
        raise RuleViolation(
            f"this would make {t_per_ha:.2f} t/ha on {area_ha} ha in {season}; above "
            f"{rules.SEASON_YIELD_REFUSE_T_PER_HA} t/ha is impossible for cashew: "
            "check the quantity or the farm's area",
            code="season_yield_impossible",
        )
    if t_per_ha <= rules.SEASON_YIELD_FLAG_T_PER_HA:
        return []
    raise_alert(
        session,
        kind=AlertKind.farm_yield_high,
        party_id=farm.owner_id,
        subject_type="farm",
        subject_id=farm.id,
        dedupe_key=f"farm_yield_high:{farm.id}:{season}",
        detail={
            "farm_id": farm.id,
            "season": season,
            "t_per_ha": f"{t_per_ha:.2f}",
            "area_ha": str(area_ha),
            "total_kg": str(Decimal(total_g) / 1000),
        },
    )
    return [
        f"farm_yield_high: {t_per_ha:.2f} t/ha this season is above {rules.SEASON_YIELD_FLAG_T_PER_HA} t/ha; "
        "a regulator may ask for evidence"
    ]


def new_lot_id(season: int) -> str:
    return ids.new_id(f"RCN{season % 100:02d}", 8)  # e.g. RCN26-7KQ3M9XA: 14 chars


def record_harvest(session: Session, *, farmer: Party, harvest_in: HarvestCreate) -> tuple[Harvest, Lot, list[str]]:
    """Log a harvest on one's own farm; it creates a raw-nut lot held by the farmer."""
    farm = owned_farm(session, farmer=farmer, farm_id=harvest_in.farm_id)
    not_in_future(harvest_in.harvested_on, "harvested_on")
    if harvest_in.moisture_pct is not None:
        check_moisture(harvest_in.moisture_pct)
    quantity_g = grams(harvest_in.quantity_kg)
    check_quantity(quantity_g)
    season = harvest_in.harvested_on.year
    warnings = check_season_yield(session, farm, season, season_total_g(session, farm.id, season) + quantity_g)
    harvest = Harvest(
        id=ids.new_id("H"),
        farm_id=farm.id,
        farmer_id=farmer.id,
        lot_id=new_lot_id(season),
        harvested_on=harvest_in.harvested_on,
        quantity_g=quantity_g,
        moisture_pct=None if harvest_in.moisture_pct is None else decimal_text(harvest_in.moisture_pct),
        notes=harvest_in.notes,
    )
    session.add(harvest)
    certificates = certifications(session, farm.id)
    claims = valid_schemes(certificates, harvest_in.harvested_on)
    warnings += check_expired_certificates(session, farm, harvest_in.harvested_on, certificates, claims)
    lot = Lot(
        lot_id=harvest.lot_id,
        product=Product.rcn.value,
        quantity_g=quantity_g,
        owner_id=farmer.id,
        created_by_type="harvest",
        created_by_id=harvest.id,
        produced_on=harvest.harvested_on,
        certifications=claims,
        created_at=clock.now(),
    )
    session.add(lot)
    session.flush()
    session.add(LotOrigin(lot_id=lot.lot_id, country="VN", district=farm.district, farm_id=farm.id, share=1.0))
    session.flush()
    return harvest, lot, warnings


def valid_schemes(certificates: list[Certification], day: date) -> list[str]:
    """Certification schemes of a farm's certificates valid on a day (a lot's claims)."""
    return sorted({c.scheme for c in certificates if c.valid_from <= day <= c.valid_to})


def check_expired_certificates(
    session: Session, farm: Farm, day: date, certificates: list[Certification], claims: list[str]
) -> list[str]:
    """A farm harvesting after a certificate lapsed, with no renewal: the lot loses that claim
    and regulators are told (a lapsed certificate is where false claims start)."""
    warnings = []
    for cert in certificates:
        if cert.valid_to < day and cert.scheme not in claims:
            raise_alert(
                session,
                kind=AlertKind.certificate_expired,
                party_id=farm.owner_id,
                subject_type="farm",
                subject_id=farm.id,
                dedupe_key=f"certificate_expired:{cert.id}",
                detail={
                    "farm_id": farm.id,
                    "scheme": cert.scheme,
                    "certificate_no": cert.certificate_no,
                    "valid_to": cert.valid_to.isoformat(),
                    "harvested_on": day.isoformat(),
                },
            )
            warnings.append(
                f"certificate_expired: the {cert.scheme} certificate {cert.certificate_no} ended on "
                f"{cert.valid_to.isoformat()}; this harvest is not certified"
            )
    return warnings


def get_harvest(session: Session, *, party: Party, harvest_id: str) -> Harvest:
    harvest = session.get(Harvest, harvest_id)
    if harvest is None:
        raise NotFound(f"no harvest {harvest_id!r}")
    get_farm(session, party=party, farm_id=harvest.farm_id)
    return harvest


def list_harvests(
    session: Session,
    *,
    party: Party,
    farm_id: str | None = None,
    season: int | None = None,
    limit: int,
    cursor: str | None,
) -> Page:
    """The caller's harvests (regulators: every farmer's), in ledger order; ``farm_id``: on one farm,
    ``season``: harvested that year, as corrected (a page may then hold fewer than ``limit``)."""
    stmt = select(Harvest)
    if party.role != Role.regulator:
        stmt = stmt.where(col(Harvest.farmer_id) == party.id)
    if farm_id is not None:
        stmt = stmt.where(col(Harvest.farm_id) == farm_id)
    if season is not None:  # the stored year (read, not sought: the list keeps to ledger order), or a correction
        harvested = extract("year", col(Harvest.harvested_on)) == season
        stmt = stmt.where(or_(harvested, col(Harvest.id).in_(select(col(Correction.corrects)))))
    page = paginate(session, stmt, col(Harvest.ledger_index), limit=limit, cursor=cursor, parse=index_of)
    if season is None:
        return page
    fixes = corrections_for(session, [h.id for h in page.items])
    items = [h for h in page.items if corrected(h.entry_data(), fixes.get(h.id, []))["harvested_on"][:4] == str(season)]
    return Page(items, page.next_cursor)
