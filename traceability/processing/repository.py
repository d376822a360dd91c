"""What processing lists (SPEC §6.5): lots held now or before, batches, cutting tests.

Each list is one range of an index: the caller's party column, then the list's order
(``ledger_index`` for anchored records; ``created_at`` then ``lot_id`` for lots, which
are not anchored). Regulators read every party's records in the same order.
"""

from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, select
from sqlmodel import Session, col

from .. import clock, rules
from ..errors import RuleViolation
from ..lots.models import Lot, LotStatus, Product
from ..pagination import Page, index_of, paginate, paginate_union, utc_of
from ..parties.access import own, own_record
from ..parties.models import Party, Role
from .models import Batch, QualityTest, Transfer

LOT_ORDER = (col(Lot.created_at), col(Lot.lot_id))


def _day_start(day: date) -> datetime | None:
    """The first moment of a day in Vietnam, in UTC; None for the first day there is (nothing is before it)."""
    try:
        return datetime.combine(day, time(), tzinfo=clock.VIETNAM_TIME).astimezone(UTC)
    except OverflowError:
        return None


def _lot_conditions(
    *, product: Product | None, grade: str | None, status: LotStatus | None, since: date | None
) -> list[ColumnElement[bool]]:
    if grade is not None and grade not in rules.KERNEL_GRADES:
        raise RuleViolation(
            f"grade {grade!r} is not an AFI/TCVN 4850 kernel grade ({', '.join(sorted(rules.KERNEL_GRADES))})",
            code="invalid_grade",
        )
    conditions = []
    if product is not None:
        conditions.append(col(Lot.product) == product.value)
    if grade is not None:
        conditions.append(col(Lot.grade) == grade)
    if status is not None:
        conditions.append(col(Lot.status) == status.value)
    start = None if since is None else _day_start(since)
    if start is not None:
        conditions.append(col(Lot.created_at) >= start)
    return conditions


def list_lots(
    session: Session,
    *,
    party: Party,
    product: Product | None = None,
    grade: str | None = None,
    status: LotStatus | None = None,
    held: bool | None = None,
    since: date | None = None,
    limit: int,
    cursor: str | None,
) -> Page:
    """Lots the caller holds (``owner_id``) or held (it dispatched them), oldest first.

    ``held``: True, only the lots in the caller's custody now; False, only the ones it
    held and passed on. ``since``: lots created (harvested, imported, split off, made by
    a batch) on or after that day, Vietnam's time. Regulators list every lot; ``held``
    is still about the caller's own custody (a regulator holds none).
    """
    lots = select(Lot).where(*_lot_conditions(product=product, grade=grade, status=status, since=since))
    mine = col(Lot.owner_id) == party.id
    sent = col(Lot.lot_id).in_(select(col(Transfer.lot_id)).where(col(Transfer.from_party_id) == party.id))
    if held is True:
        stmts = [lots.where(mine)]
    elif party.role == Role.regulator:
        stmts = [lots if held is None else lots.where(~mine)]
    elif held is False:
        stmts = [lots.where(sent, ~mine)]
    else:
        stmts = [lots.where(mine), lots.where(sent)]
    return paginate_union(session, stmts, LOT_ORDER, limit=limit, cursor=cursor, parse=(utc_of, str))


def list_batches(session: Session, *, party: Party, limit: int, cursor: str | None) -> Page:
    """The caller's processing batches (regulators: every party's), in ledger order."""
    stmt = own(select(Batch), col(Batch.party_id), party)
    return paginate(session, stmt, col(Batch.ledger_index), limit=limit, cursor=cursor, parse=index_of)


def get_batch(session: Session, *, party: Party, batch_id: str) -> Batch:
    """A batch its processor (or a regulator) may see; 404 unknown, 403 someone else's."""
    return own_record(session, Batch, batch_id, owner="party_id", party=party, what="batch", listed="/api/v1/batches")


def list_quality_tests(
    session: Session, *, party: Party, lot_id: str | None = None, limit: int, cursor: str | None
) -> Page:
    """Cutting tests the caller made (regulators: every party's), in ledger order; ``lot_id``: of one lot."""
    stmt = select(QualityTest)
    if party.role != Role.regulator:
        stmt = stmt.where(col(QualityTest.party_id) == party.id)
    if lot_id is not None:
        stmt = stmt.where(col(QualityTest.lot_id) == lot_id)
    return paginate(session, stmt, col(QualityTest.ledger_index), limit=limit, cursor=cursor, parse=index_of)
