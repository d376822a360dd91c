"""How ``cashew serve`` serves the app: uvicorn with the httptools parser and the uvloop event loop.

Chosen by ``python -m bench.serving`` (figures in docs/benchmarks.md). Every accepted
connection has ``TCP_NODELAY`` set, with one worker or several: uvloop sets it on every TCP
connection, and uvicorn from 0.55 binds the listening socket of its worker supervisor as
``IPPROTO_TCP`` (before, asyncio skipped the option on the sockets that listener accepted,
and each keep-alive answer after the first waited for the client's 40 ms delayed ACK).
"""

from typing import Any

import uvicorn

HTTP = "httptools"
LOOP = "uvloop"


def server_options(*, host: str, port: int, workers: int, log_level: str = "info") -> dict[str, Any]:
    """The keyword arguments ``uvicorn.run`` gets from ``cashew serve``."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "http": HTTP,
        "loop": LOOP,
        "log_level": log_level,
    }


def serve_app(
    app: str, *, host: str = "127.0.0.1", port: int, workers: int = 1, factory: bool = True, log_level: str = "info"
) -> None:
    """Serve the ASGI application ``module:attribute`` (a factory by default) until stopped."""
    uvicorn.run(app, factory=factory, **server_options(host=host, port=port, workers=workers, log_level=log_level))
