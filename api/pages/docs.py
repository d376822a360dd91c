"""The interactive API docs (SPEC §4): Swagger UI from files served here, no internet, no inline script.

Swagger UI's own files come from the ``fastapi-offline`` package; the page that starts it,
and the script that does, are ours, so the page can carry a Content-Security-Policy that
allows scripts from this server only.
"""

from pathlib import Path

import fastapi_offline
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from ..routing import strict_router

SWAGGER_FILES = Path(fastapi_offline.__file__).parent / "static"
SWAGGER_URL = "/static-offline-docs"
INIT_JS = (Path(__file__).parent / "static" / "docs.js").read_text(encoding="utf-8")
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Cashew traceability – API</title>
<link rel="stylesheet" href="{SWAGGER_URL}/swagger-ui.css">
<link rel="icon" href="{SWAGGER_URL}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{SWAGGER_URL}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

router = strict_router(include_in_schema=False)
swagger_files = StaticFiles(directory=SWAGGER_FILES)


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_HTML, headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/docs/init.js")
def docs_init() -> Response:
    return Response(INIT_JS, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})
