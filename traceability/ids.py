"""Identifiers and nonces: random by default, seeded for reproducible demo data.

Ids use only ``A–Z 0–9 -`` (the GS1 lot charset of SPEC §7) so any of them can be
printed in a Digital Link URI. Crockford's alphabet avoids I, L, O and U, which
are easy to misread on a carton.
"""

import base64
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_rng: ContextVar[random.Random | None] = ContextVar("cashew_ids", default=None)


def _choice(n: int) -> str:
    rng = _rng.get()
    if rng is None:
        return "".join(secrets.choice(ALPHABET) for _ in range(n))
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def new_id(prefix: str, length: int = 10) -> str:
    """A random id such as ``FARM-7KQ3M9XA2B``."""
    return f"{prefix}-{_choice(length)}"


def new_nonce() -> str:
    """16 random bytes, base64url without padding (SPEC §5.2)."""
    rng = _rng.get()
    raw = secrets.token_bytes(16) if rng is None else rng.randbytes(16)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block whose ids and nonces come from a seeded generator."""
    token = _rng.set(random.Random(seed))
    try:
        yield
    finally:
        _rng.reset(token)
