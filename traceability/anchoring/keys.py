"""The log's Ed25519 signing key: created 0600 on first start, never served."""

import os
import time
from pathlib import Path

from ledger.checkpoint import Signer


def load_or_create_signer(path: Path, origin: str) -> Signer:
    """Read the key file, or create it atomically with mode 0600 if it does not exist.

    The file holds the key in the Go signed-note format (``PRIVATE+KEY+…``); its
    name must be the log's origin, since the checkpoint's signature line names it.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        signer = Signer.generate(origin)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker won the race; read what it wrote
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(signer.skey + "\n")
            return signer
    for _ in range(50):  # a racing worker may still be writing the file it created
        text = path.read_text().strip()
        if text:
            break
        time.sleep(0.05)
    signer = Signer.from_skey(text)
    if signer.name != origin:
        raise ValueError(
            f"key file {path} is for origin {signer.name!r}, not {origin!r}; set CASHEW_LOG_ORIGIN or move the file"
        )
    return signer
