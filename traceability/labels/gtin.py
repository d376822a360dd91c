"""GTIN-14s built from a party's GS1 company prefix (SPEC §7), check digit by python-stdnum."""

from sqlalchemy import func, select
from sqlmodel import Session, col
from stdnum import ean

from ..errors import Conflict, NotFound, RuleViolation
from ..lots.models import Lot
from ..parties.models import Party
from .models import TradeItem

INDICATOR = "0"  # the trade item itself, not a pack level


def make_gtin(company_prefix: str, item_reference: int) -> str:
    """GTIN-14: indicator + company prefix + item reference (12 digits together) + check digit."""
    width = 12 - len(company_prefix)
    if item_reference >= 10**width:
        raise RuleViolation(f"GS1 company prefix {company_prefix} has no item references left", code="gtin_exhausted")
    body = INDICATOR + company_prefix + str(item_reference).zfill(width)
    return body + ean.calc_check_digit(body)


def has_valid_check_digit(gtin: str) -> bool:
    """True when the last digit of a GTIN (any length, digits only) is the check digit of the others."""
    return len(gtin) > 1 and gtin.isascii() and gtin.isdigit() and ean.calc_check_digit(gtin[:-1]) == gtin[-1]


def gtin_for(session: Session, *, party: Party, product: str, grade: str | None) -> str:
    """The party's GTIN for a product and grade, assigned the first time it is asked for."""
    if not party.gs1_company_prefix:
        raise Conflict(
            f"{party.name} has no GS1 company prefix, so its cartons cannot carry a GTIN; "
            "ask the operator to register the prefix (GS1 Vietnam: 893…)",
            code="no_gs1_prefix",
        )
    key = (party.id, product, grade or "")
    stmt = select(TradeItem).where(
        col(TradeItem.party_id) == key[0], col(TradeItem.product) == key[1], col(TradeItem.grade) == key[2]
    )
    item = session.scalars(stmt).one_or_none()
    if item is None:
        reference = session.scalars(
            select(func.count()).select_from(TradeItem).where(col(TradeItem.party_id) == party.id)
        ).one()
        gtin = make_gtin(party.gs1_company_prefix, reference := reference + 1)
        while session.get(TradeItem, gtin) is not None:  # never another's number, even from overlapping prefixes
            gtin = make_gtin(party.gs1_company_prefix, reference := reference + 1)
        item = TradeItem(gtin=gtin, party_id=party.id, product=product, grade=grade or "")
        session.add(item)
        session.flush()
    return item.gtin


def digital_link(base_url: str, gtin: str, lot_id: str) -> str:
    """The GS1 Digital Link URI printed in a label's QR code."""
    return f"{base_url.rstrip('/')}/01/{gtin}/10/{lot_id}"


def element_string(gtin: str, lot_id: str) -> str:
    return f"(01){gtin}(10){lot_id}"


def lot_for_gtin(session: Session, *, gtin: str, lot_id: str) -> tuple[Lot, TradeItem]:
    """The lot a scanned (GTIN, lot) pair names: the GTIN must be its labeller's item for its product and grade."""
    item = session.get(TradeItem, gtin)
    lot = session.get(Lot, lot_id)
    if item is None or lot is None or item.product != lot.product or item.grade != (lot.grade or ""):
        raise NotFound(f"no product {gtin} with lot {lot_id}")
    return lot, item
