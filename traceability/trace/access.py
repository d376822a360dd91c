"""Who may follow a lot, and how much of it they see (SPEC §6.5, "Trace visibility").

- Regulators: every lot, both directions.
- Processors and traders: both directions of a lot they hold or held: they hold it now,
  sent it, received it (a transfer still in transit does not count), or made it.
- Farmers: the forward trace of a lot from their own harvests (the harvest's lot, or a
  part they split off it), seen without other parties: ``View.farmer`` is set and the
  trace leaves out the ids of parties other than the farmer.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from ..errors import Forbidden, NotFound
from ..lots.models import Lot
from ..parties.models import Party, Role
from ..processing.models import Batch, Import, Split, Transfer
from ..production.models import Harvest
from .schemas import Direction

# The record that made a lot, by the lot's ``created_by_type``: (its id column, the party who made it).
MAKERS: dict[str, tuple[Any, Any]] = {
    "harvest": (col(Harvest.id), col(Harvest.farmer_id)),
    "import": (col(Import.id), col(Import.party_id)),
    "split": (col(Split.id), col(Split.party_id)),
    "batch": (col(Batch.id), col(Batch.party_id)),
}


@dataclass(frozen=True)
class View:
    """How the caller sees a trace: ``farmer`` is the farmer's id when others must be hidden."""

    farmer: str | None = None

    def party(self, party_id: str | None) -> str | None:
        """A party id as the caller may see it: hidden from a farmer unless it is the farmer."""
        return party_id if self.farmer is None or party_id == self.farmer else None


def view_of(session: Session, *, party: Party, lot_id: str, direction: Direction) -> View:
    """The caller's view of the lot's trace; 404 for an unknown lot, 403 when the caller may not follow it.

    Costs at most three small queries (the lot, its maker, one transfer), whatever the graph's size.
    """
    row = session.execute(
        select(col(Lot.owner_id), col(Lot.created_by_type), col(Lot.created_by_id)).where(col(Lot.lot_id) == lot_id)
    ).first()
    if row is None:
        raise NotFound(f"no lot {lot_id!r}")
    owner_id, made_by_type, made_by_id = row
    if party.role == Role.regulator:
        return View()
    if party.role == Role.farmer:
        if direction != Direction.forward:
            raise Forbidden(
                "a farmer follows the lots of their own harvests forward, to see where the nuts went: "
                "ask for direction=forward"
            )
        if maker(session, made_by_type, made_by_id) != party.id:
            raise Forbidden(
                f"lot {lot_id} did not come from your harvests; a farmer follows only the lots of their own harvests"
            )
        return View(farmer=party.id)
    if owner_id == party.id or maker(session, made_by_type, made_by_id) == party.id or _moved(session, lot_id, party):
        return View()
    raise Forbidden(f"you never held lot {lot_id}; processors and traders follow the lots they hold or held")


def maker(session: Session, made_by_type: str, made_by_id: str) -> str | None:
    """The party whose record (harvest, import, split or batch) made a lot, from the lot's ``created_by``."""
    if made_by_type not in MAKERS:
        return None
    id_column, party_column = MAKERS[made_by_type]
    found: str | None = session.execute(select(party_column).where(id_column == made_by_id)).scalar()
    return found


def _moved(session: Session, lot_id: str, party: Party) -> bool:
    """The party sent the lot, or received it."""
    sent = col(Transfer.from_party_id) == party.id
    received = (col(Transfer.to_party_id) == party.id) & (col(Transfer.status) == "received")
    stmt = select(col(Transfer.id)).where(col(Transfer.lot_id) == lot_id, or_(sent, received)).limit(1)
    return session.execute(stmt).first() is not None
