"""The QR symbol of a label: encoded by ``qrcode``, its mask chosen with numpy.

ISO/IEC 18004 asks the encoder to try the eight mask patterns and keep the one with the
lowest penalty (long runs, 2 × 2 blocks, finder-like patterns, dark/light balance).
``qrcode`` does this by building the whole symbol eight times in pure Python, which is
two thirds of the cost of a label. Here the symbol is built once, the eight candidates
are derived from it by XOR on arrays and scored together with the same rules and the
same figures as ``qrcode.util.lost_point``, so the symbol is the one ``qrcode`` would
have made (tests/api/test_labels.py checks this), at under half the cost
(segno, measured side by side in bench/labels.py, is no faster than qrcode here).
"""

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.main import QRCode

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
Modules = tuple[tuple[bool, ...], ...]
Bools = npt.NDArray[np.bool_]
FINDER_LIKE = (
    np.array([1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool),
    np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1], dtype=bool),
)


def qr_modules(uri: str) -> Modules:
    """The QR symbol of a Digital Link URI, quiet zone included: error correction Q
    (a quarter of the symbol may be scuffed off a carton and it still reads)."""
    code = QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE, mask_pattern=0)
    code.add_data(uri)
    code.make(fit=True)
    symbol = np.array(code.modules, dtype=bool)
    region, fixed = _template(code.version)
    masks = _masks(len(symbol))
    data = symbol ^ (masks[0] & region)  # the data bits, unmasked
    best = int(np.argmin(penalties(np.where(region, data ^ masks, fixed))))  # the first of equals, as qrcode
    if best:
        code.mask_pattern = best
        code.makeImpl(False, best)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())


@lru_cache(maxsize=40)
def _template(version: int) -> tuple[Bools, Bools]:
    """(data region, function patterns as ``qrcode`` draws them while testing masks)."""
    code = QRCode(version=version, mask_pattern=0)
    n = code.modules_count = version * 4 + 17
    code.modules = [[None] * n for _ in range(n)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(n - 7, 0)
    code.setup_position_probe_pattern(0, n - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(True, 0)  # test mode: format and version bits light, as qrcode scores them
    if version >= 7:
        code.setup_type_number(True)
    region = np.array([[m is None for m in row] for row in code.modules])
    fixed = np.array([[bool(m) for m in row] for row in code.modules])
    return region, fixed


@lru_cache(maxsize=40)
def _masks(n: int) -> Bools:
    """The eight mask patterns of ISO/IEC 18004 (i = row, j = column), shape (8, n, n)."""
    i, j = np.indices((n, n))
    return np.stack(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i * j) % 3 + (i + j) % 2) % 2 == 0,
        ]
    )


def penalties(c: Bools) -> npt.NDArray[np.int64]:
    """ISO/IEC 18004 penalty of each symbol in a stack (k, n, n)."""
    k, n, _ = c.shape
    lines = np.concatenate([c, c.transpose(0, 2, 1)], axis=1)  # rows then columns: (k, 2n, n)
    # 1. runs of five or more modules of one colour: 3 + (length - 5)
    padded = np.concatenate([lines.astype(np.int8), np.full((k, 2 * n, 1), 2, np.int8)], axis=2).ravel()
    starts = np.flatnonzero(np.concatenate([[True], padded[1:] != padded[:-1]]))
    lengths = np.diff(np.append(starts, padded.size))
    long = lengths >= 5
    runs = np.bincount(starts[long] // (2 * n * (n + 1)), weights=lengths[long] - 2, minlength=k)
    # 2. 2 × 2 blocks of one colour: 3 each
    a = c[:, :-1, :-1]
    blocks = ((a == c[:, 1:, :-1]) & (a == c[:, :-1, 1:]) & (a == c[:, 1:, 1:])).sum(axis=(1, 2)) * 3
    # 3. 1:1:3:1:1 finder-like patterns with four light modules beside them: 40 each
    windows = np.lib.stride_tricks.sliding_window_view(lines, 11, axis=2)
    finders = sum((windows == p).all(axis=3).sum(axis=(1, 2)) for p in FINDER_LIKE) * 40
    # 4. dark share away from 50 %: 10 per whole 5 %
    percent = c.sum(axis=(1, 2)) / (n * n) * 100
    balance = (np.abs(percent - 50) / 5).astype(np.int64) * 10
    total: npt.NDArray[np.int64] = runs.astype(np.int64) + blocks + finders + balance  # numpy types the sum as Any
    return total


def dark_runs(modules: Modules) -> Iterable[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length): a few hundred shapes, not a thousand."""
    for y, row in enumerate(modules):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1
