"""Registering parties and recognising their API keys."""

import hashlib
import secrets

from sqlalchemy import literal, or_, select
from sqlmodel import Session, col

from .. import clock, ids
from ..errors import Conflict, Forbidden, RuleViolation, Unauthorized
from .models import ApiKey, Party, Role
from .schemas import PartyCreate

KEY_PREFIX = "ck_"


def hash_key(api_key: str) -> str:
    """Keys are 256-bit random, so one SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def create_party(session: Session, *, party_in: PartyCreate, api_key: str | None = None) -> tuple[Party, str]:
    """Register a party; return it with its API key, which is never stored in clear."""
    if party_in.gs1_company_prefix and party_in.role not in (Role.processor, Role.trader):
        raise RuleViolation("only processors and traders hold a GS1 company prefix", code="gs1_prefix_not_allowed")
    if party_in.gs1_company_prefix:
        _check_prefix_free(session, party_in.gs1_company_prefix)
    party = Party(
        id=ids.new_id("P"),
        name=party_in.name,
        role=party_in.role.value,
        district=party_in.district,
        country=party_in.country,
        gs1_company_prefix=party_in.gs1_company_prefix,
        created_at=clock.now(),
    )
    key = api_key or KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(party)
    session.flush()
    session.add(ApiKey(key_hash=hash_key(key), party_id=party.id, created_at=clock.now()))
    session.flush()
    return party, key


def _check_prefix_free(session: Session, prefix: str) -> None:
    """GS1 company prefixes never overlap: no two parties hold the same one, and none holds a prefix
    that begins another (``893541`` and ``8935412`` would number the same GTINs)."""
    holder = session.execute(
        select(col(Party.id), col(Party.gs1_company_prefix)).where(
            or_(  # each covers the same prefix
                literal(prefix).startswith(col(Party.gs1_company_prefix)),
                col(Party.gs1_company_prefix).startswith(prefix),
            )
        )
    ).first()
    if holder is not None:
        raise Conflict(
            f"GS1 company prefix {prefix} overlaps {holder[1]}, already held by party {holder[0]}: "
            "each party's prefix is its own (GS1 assigns them so)",
            code="gs1_prefix_taken",
        )


def _party_with_key(session: Session, api_key: str) -> Party | None:
    return session.scalars(
        select(Party)
        .join(ApiKey, col(ApiKey.party_id) == col(Party.id))
        .where(col(ApiKey.key_hash) == hash_key(api_key))
    ).one_or_none()


def is_party_key(session: Session, api_key: str) -> bool:
    """Whether ``api_key`` is some party's key (an authenticated caller, if not an allowed one)."""
    return _party_with_key(session, api_key) is not None


def party_for_key(session: Session, api_key: str) -> Party:
    party = _party_with_key(session, api_key)
    if party is None:
        raise Unauthorized("the API key is not known; ask the operator for a new key")
    return party


def require_role(party: Party, *roles: Role) -> None:
    if party.role not in roles:
        wanted = " or ".join(r.value for r in roles)
        raise Forbidden(f"this action is for a {wanted}; your party is a {party.role}")
