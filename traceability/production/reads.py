"""How production records read: stored values with their corrections applied, and the history."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from ..anchoring import Anchored
from ..anchoring.schemas import LedgerRef
from ..corrections.models import Correction
from ..corrections.service import corrected, corrections_for
from ..places import DISTRICTS
from ..units import hectares, kilograms
from .models import Farm, FarmInput, Harvest
from .schemas import CertificationRead, CorrectionRead, FarmInputRead, FarmRead, HarvestRead
from .service import certifications


def correction_read(correction: Correction) -> CorrectionRead:
    assert correction.recorded_at is not None
    return CorrectionRead(
        id=correction.id,
        changes=correction.changes,
        reason=correction.reason,
        recorded_at=correction.recorded_at.isoformat(),
        ledger=LedgerRef(**correction.ledger_ref()),
    )


def _history(session: Session, record_id: str) -> list[Correction]:
    return corrections_for(session, [record_id]).get(record_id, [])


def farm_read(session: Session, farm: Farm, warnings: list[str] | None = None) -> FarmRead:
    history = _history(session, farm.id)
    values = corrected(farm.entry_data(), history)
    return FarmRead(
        id=farm.id,
        owner_id=farm.owner_id,
        name=farm.name,
        district=farm.district,
        district_name=DISTRICTS[farm.district].name,
        legacy_province=farm.legacy_province,
        province=farm.province,
        commune=farm.commune,
        area_ha=hectares(values["area_m2"]),
        geometry=farm.geometry,
        computed_area_ha=None if farm.computed_area_m2 is None else round(hectares(farm.computed_area_m2), 4),
        planted_year=farm.planted_year,
        variety=farm.variety,
        certifications=[
            CertificationRead(
                scheme=c.scheme, certificate_no=c.certificate_no, valid_from=c.valid_from, valid_to=c.valid_to
            )
            for c in certifications(session, farm.id)
        ],
        warnings=warnings or [],
        corrections=[correction_read(c) for c in history],
        ledger=LedgerRef(**farm.ledger_ref()),
    )


def harvest_read(
    session: Session, harvest: Harvest, warnings: list[str] | None = None, *, new: bool = False
) -> HarvestRead:
    """A harvest as read back; ``new``: just recorded (it has no corrections to look up)."""
    history = [] if new else _history(session, harvest.id)
    values = corrected(harvest.entry_data(), history)
    harvested_on = date.fromisoformat(values["harvested_on"])
    return HarvestRead(
        id=harvest.id,
        farm_id=harvest.farm_id,
        lot_id=harvest.lot_id,
        harvested_on=harvested_on,
        season=harvested_on.year,
        quantity_kg=kilograms(values["quantity_g"]),
        moisture_pct=None if values.get("moisture_pct") is None else Decimal(values["moisture_pct"]),
        notes=harvest.notes,
        warnings=warnings or [],
        corrections=[correction_read(c) for c in history],
        ledger=LedgerRef(**harvest.ledger_ref()),
    )


def farm_input_read(session: Session, record: FarmInput) -> FarmInputRead:
    history = _history(session, record.id)
    values = corrected(record.entry_data(), history)
    return FarmInputRead(
        id=record.id,
        farm_id=record.farm_id,
        category=values["category"],
        product=values["product"],
        product_name=record.product_name,
        quantity=None if record.quantity is None else Decimal(record.quantity),
        unit=record.unit,
        applied_on=date.fromisoformat(values["applied_on"]),
        notes=record.notes,
        corrections=[correction_read(c) for c in history],
        ledger=LedgerRef(**record.ledger_ref()),
    )


def correction_result(session: Session, correction: Correction) -> dict[str, Any]:
    """The correction itself and the record as it now reads."""
    session.flush()
    readers: dict[str, tuple[type[Anchored], Callable[[Session, Any], BaseModel]]] = {
        "harvest": (Harvest, harvest_read),
        "farm_input": (FarmInput, farm_input_read),
        "farm": (Farm, farm_read),
    }
    model, read = readers[correction.record_type]
    record = session.get(model, correction.corrects)
    return {
        **correction_read(correction).model_dump(mode="json"),
        "corrects": correction.corrects,
        "record_type": correction.record_type,
        "record": read(session, record).model_dump(mode="json"),
    }
