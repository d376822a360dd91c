"""The HTTP face of a C2SP tlog-witness (``cashew witness serve``), apart from the platform's app.

``POST /add-checkpoint`` and ``GET /<origin hash>/checkpoint``, answered by
``ledger.witness.Witness``; bodies above ``max_body`` bytes get 413.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledger.witness import TEXT, Witness, WitnessResponse

__all__ = ["MAX_BODY", "create_witness_app"]

MAX_BODY = 64 * 1024
"""The largest add-checkpoint body accepted, in bytes (63 proof lines and a note of many signatures fit)."""


def create_witness_app(
    witness: Witness, *, max_body: int = MAX_BODY, clock: Callable[[], float] = time.time
) -> Starlette:
    """The witness's ASGI app; ``clock`` gives the cosignatures' UNIX time."""

    async def add_checkpoint(request: Request) -> Response:
        body = await _read_body(request, max_body)
        if body is None:
            return Response(f"the body is larger than {max_body} bytes\n", 413, media_type=TEXT)
        answer = await run_in_threadpool(witness.add_checkpoint, body, int(clock()))
        return _response(answer)

    async def checkpoint(request: Request) -> Response:
        return _response(await run_in_threadpool(witness.checkpoint, request.path_params["origin_hash"]))

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/{origin_hash}/checkpoint", checkpoint, methods=["GET"]),
        ]
    )


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it exceeds ``limit`` bytes (the rest is not read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _response(answer: WitnessResponse) -> Response:
    # The content type goes out exactly as given: text/x.tlog.size takes no charset.
    return Response(answer.body, answer.status, headers={"content-type": answer.content_type})
