"""Provenance bundles (SPEC §5.6): public, no authentication."""

from typing import Any

from traceability.provenance.service import provenance_bundle

from ..deps import SessionDep, State
from ..routing import strict_router

router = strict_router(prefix="/api/v1", tags=["trade"])


@router.get("/lots/{lot_id}/provenance")
def provenance(lot_id: str, session: SessionDep, state: State) -> dict[str, Any]:
    """Every entry on the lot's lineage with inclusion proofs against one signed checkpoint."""
    quorum = state.policy.quorum if state.policy is not None else 0
    return provenance_bundle(session, lot_id=lot_id, signer=state.signer, quorum=quorum)
