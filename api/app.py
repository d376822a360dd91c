"""The FastAPI application: business API, public ledger, offline docs."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from traceability.anchoring import load_or_create_signer
from traceability.anchoring.service import ensure_checkpoint
from traceability.anchoring.witnesses import WitnessPolicy
from traceability.db import make_engine
from traceability.epcis.capture import MAX_BYTES as MAX_CAPTURE_BYTES
from traceability.settings import Settings, get_settings

from . import cosigning, errors
from .contract import contract
from .deps import AppState
from .input import StrictInput
from .pages import app_shell, dashboard, docs
from .pages import router as pages
from .routers import (
    epcis,
    labels,
    ledger,
    lots,
    oversight,
    parties,
    processing,
    production,
    provenance,
    reference,
    trade,
)

DESCRIPTION = """Traceability for Vietnam's cashew sector, from farm to buyer.

Every record that matters is anchored in an append-only Merkle ledger (RFC 9162)
with signed checkpoints: see the `ledger` endpoints, which need no key.
Business endpoints take `Authorization: Bearer <API key>`; writes accept an
`Idempotency-Key` header so that retries never record anything twice.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and engine."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)

    policy = WitnessPolicy.read(settings.witness_policy) if settings.witness_policy else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ensure_checkpoint(engine, signer)
        cosigner = cosigning.start(engine, policy) if policy is not None else None
        try:
            yield
        finally:
            if cosigner is not None:
                cosigner.close()

    app = FastAPI(
        title="Cashew traceability",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.mount(docs.SWAGGER_URL, docs.swagger_files, name="swagger-ui")
    app.state.cashew = AppState(settings=settings, engine=engine, signer=signer, policy=policy)
    app.add_middleware(StrictInput, max_bytes=settings.max_body_bytes, limits={"/epcis/capture": MAX_CAPTURE_BYTES})
    errors.install(app)
    for module in (
        parties,
        production,
        processing,
        labels,
        trade,
        provenance,
        lots,
        oversight,
        reference,
        ledger,
        epcis,
        pages,
        dashboard,
        docs,
        app_shell,
    ):
        app.include_router(module.router)
    app.openapi = contract(app)  # type: ignore[method-assign]
    logging.getLogger("cashew").setLevel(logging.INFO)
    return app
