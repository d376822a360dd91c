"""Correcting a farmer's own records: a correction is an entry; the record never changes."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import select
from sqlmodel import Session, col

from ..anchoring import Anchored
from ..anchoring.models import LedgerEntry
from ..clock import not_in_future
from ..corrections.models import Correction
from ..corrections.service import add_correction, corrected, corrections_for
from ..errors import Conflict, Forbidden, NotFound, RuleViolation
from ..lots.models import Lot, LotParent, LotStatus
from ..parties.models import Party
from ..schemas import FreeText, Strict
from ..units import IsoDate, Kg, Percent, decimal_text, grams, square_metres
from . import geometry
from .harvests import check_moisture, check_quantity, check_season_yield, season_total_g
from .inputs import check_category, product_code
from .models import Farm, FarmInput, Harvest
from .schemas import InputCategory


class CorrectionCreate(Strict):
    entry_id: str = Field(min_length=1, max_length=64, description="id of the corrected record (its entry's id)")
    changes: dict[str, Any] = Field(description="new values, with the field names of the record's API")
    reason: FreeText = Field(min_length=3, max_length=500)


class _Changes(Strict):
    """New values of a record, read by the same policy as a request body."""


class HarvestChanges(_Changes):
    quantity_kg: Kg | None = None
    harvested_on: IsoDate | None = None
    moisture_pct: Percent | None = None


class FarmInputChanges(_Changes):
    """The product's name (free text, off the ledger) is not corrected: its code is."""

    category: InputCategory | None = None
    product: str | None = Field(default=None, min_length=1, max_length=60)
    applied_on: IsoDate | None = None

    _product = field_validator("product")(lambda cls, v: None if v is None else product_code(v))


class FarmChanges(_Changes):
    area_ha: Decimal | None = Field(default=None, gt=0, le=1000, max_digits=10, decimal_places=4)


def _parse(model: type[_Changes], changes: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = model.model_validate(changes)
    except ValidationError as exc:
        fields = [{"loc": ["body", "changes", *e["loc"]], "msg": e["msg"]} for e in exc.errors()]
        allowed = ", ".join(model.model_fields)
        raise RuleViolation(
            f"these changes cannot be applied; correctable fields: {allowed}", code="invalid_changes", fields=fields
        ) from None
    given = parsed.model_dump(exclude_none=True)
    if not given:
        raise RuleViolation("changes is empty: say which values to correct", code="invalid_changes")
    return given


def _harvest(
    session: Session, party: Party, harvest: Harvest, before: dict[str, Any], given: dict[str, Any]
) -> dict[str, Any]:
    if harvest.farmer_id != party.id:
        raise Forbidden("only the farmer who logged a harvest corrects it")
    changes: dict[str, Any] = {}
    if "quantity_kg" in given:
        changes["quantity_g"] = grams(given["quantity_kg"])
        check_quantity(changes["quantity_g"])
    if "harvested_on" in given:
        not_in_future(given["harvested_on"], "harvested_on")
        changes["harvested_on"] = given["harvested_on"].isoformat()
    if "moisture_pct" in given:
        check_moisture(given["moisture_pct"])
        changes["moisture_pct"] = decimal_text(given["moisture_pct"])
    after = before | changes
    if after["quantity_g"] != before["quantity_g"] or after["harvested_on"] != before["harvested_on"]:
        lot = _untouched_lot(session, harvest.lot_id, party, before["quantity_g"])
        season = int(after["harvested_on"][:4])
        farm = session.get(Farm, harvest.farm_id)
        assert farm is not None
        check_season_yield(
            session, farm, season, season_total_g(session, farm.id, season, excluding=harvest.id) + after["quantity_g"]
        )
        lot.quantity_g = after["quantity_g"]
    return changes


def _untouched_lot(session: Session, lot_id: str, party: Party, expected_g: int) -> Lot:
    lot = session.get(Lot, lot_id)
    children = session.execute(select(LotParent).where(col(LotParent.parent_lot_id) == lot_id).limit(1)).first()
    if (
        lot is None
        or lot.owner_id != party.id
        or lot.status != LotStatus.held
        or lot.quantity_g != expected_g
        or children
    ):
        raise Conflict(
            f"lot {lot_id} has already moved on (dispatched, split or processed); "
            "its quantity or date can no longer be corrected",
            code="lot_moved_on",
        )
    return lot


def _farm_input(
    session: Session, party: Party, record: FarmInput, before: dict[str, Any], given: dict[str, Any]
) -> dict[str, Any]:
    if record.farmer_id != party.id:
        raise Forbidden("only the farmer who logged an input corrects it")
    if "applied_on" in given:
        not_in_future(given["applied_on"], "applied_on")
        given["applied_on"] = given["applied_on"].isoformat()
    if "category" in given:
        given["category"] = given["category"].value
    if "product" in given or "category" in given:
        after = before | given
        try:
            check_category(after["product"], after["category"])
        except ValueError as exc:
            raise RuleViolation(f"these changes cannot be applied: {exc}", code="invalid_changes") from None
    return given


def _farm(session: Session, party: Party, farm: Farm, before: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    if farm.owner_id != party.id:
        raise Forbidden("only the farm's owner corrects it")
    plot = geometry.Plot(farm.geometry, farm.computed_area_m2, (farm.min_lon, farm.min_lat, farm.max_lon, farm.max_lat))
    geometry.check_declared_area(plot, given["area_ha"])
    return {"area_m2": square_metres(given["area_ha"])}


# entry type -> (its record's table, the changes it accepts, how they are checked and applied,
# given the record's values as they read now and the changes asked for)
_Apply = Callable[[Session, Party, Any, dict[str, Any], dict[str, Any]], dict[str, Any]]
_CORRECTABLE: dict[str, tuple[type[Anchored], type[_Changes], _Apply]] = {
    "harvest": (Harvest, HarvestChanges, _harvest),
    "farm_input": (FarmInput, FarmInputChanges, _farm_input),
    "farm": (Farm, FarmChanges, _farm),
}


def correct_record(session: Session, *, party: Party, correction_in: CorrectionCreate) -> Correction:
    """Record a correction of one of the caller's own records, after re-checking the rules."""
    # The record itself, not its ledger entry: a write's entries reach the ledger's tables when
    # its group commits, and a record written earlier in the same group is correctable too.
    found = [(t, r) for t, (m, _, _) in _CORRECTABLE.items() if (r := session.get(m, correction_in.entry_id))]
    if not found:
        entry_type = session.scalars(
            select(col(LedgerEntry.type)).where(col(LedgerEntry.record_id) == correction_in.entry_id).limit(1)
        ).one_or_none()
        if entry_type is None:
            raise NotFound(f"no record {correction_in.entry_id!r} in the ledger")
        raise RuleViolation(f"a {entry_type} record cannot be corrected here", code="not_correctable")
    entry_type, record = found[0]
    _model, changes_model, apply = _CORRECTABLE[entry_type]
    given = _parse(changes_model, correction_in.changes)
    before = corrected(record.entry_data(), corrections_for(session, [record.id]).get(record.id, []))
    changes = apply(session, party, record, before, given)
    if all(before.get(k) == v for k, v in changes.items()):
        raise RuleViolation("these values are already the recorded ones; nothing to correct", code="no_change")
    return add_correction(
        session,
        party_id=party.id,
        record_type=entry_type,
        corrects=record.id,
        changes=changes,
        reason=correction_in.reason,
    )
