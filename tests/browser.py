"""Debian's chromium, as the browser tests find and start it (never a downloaded browser).

Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
"""

import shutil
from pathlib import Path

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def find_chromium() -> str | None:
    candidates = ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
    return next((p for p in candidates if p and Path(p).exists()), None)
