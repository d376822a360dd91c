"""State oversight (SPEC §6.4): for now, the integrity audit."""

from typing import Any

from fastapi import APIRouter

from ledger.checkpoint import Verifier
from traceability.oversight.audit import run_audit
from traceability.parties.models import Role

from ..deps import RequireRole, SessionDep, State

router = APIRouter(prefix="/api/v1/oversight", tags=["oversight"])
Regulator = RequireRole(Role.regulator)


@router.post("/audits")
def audit(session: SessionDep, state: State, _: Regulator) -> dict[str, Any]:
    """Rebuild every entry from the stored records, recompute the tree, check every checkpoint."""
    return run_audit(session, verifier=Verifier.from_vkey(state.signer.vkey)).to_dict()
