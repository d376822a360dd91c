"""Entries (SPEC §5.2): canonical JSON, no floats, timestamps and nonces."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from ledger import canonical_json, entry_leaf_hash, make_entry, new_nonce

NONCE = "AAECAwQFBgcICQoLDA0ODw"  # bytes 0..15
AT = datetime(2026, 3, 14, 8, 0, 0, tzinfo=UTC)


def harvest(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": "harvest",
        "id": "hv_01",
        "at": AT,
        "by": "party_7",
        "data": {
            "farm_id": "farm_3",
            "lot_id": "lot_9",
            "quantity_g": 1_250_000,
            "harvested_on": "2026-03-13",
        },
        "nonce": NONCE,
    }
    return make_entry(**{**fields, **overrides})


class TestCanonicalForm:
    def test_entry_shape_and_jcs_bytes(self) -> None:
        entry = harvest()
        assert entry["v"] == 1
        assert canonical_json(entry) == (
            b'{"at":"2026-03-14T08:00:00Z","by":"party_7","data":{"farm_id":"farm_3",'
            b'"harvested_on":"2026-03-13","lot_id":"lot_9","quantity_g":1250000},'
            b'"id":"hv_01","nonce":"AAECAwQFBgcICQoLDA0ODw","type":"harvest","v":1}'
        )

    def test_non_ascii_is_raw_utf8(self) -> None:
        assert canonical_json({"district": "Bình Phước"}) == '{"district":"Bình Phước"}'.encode()

    def test_key_order_does_not_matter(self) -> None:
        assert canonical_json({"b": 1, "a": [2, {"d": None, "c": True}]}) == canonical_json(
            {"a": [2, {"c": True, "d": None}], "b": 1}
        )

    def test_leaf_hash_is_prefixed_sha256_of_jcs(self) -> None:
        entry = harvest()
        assert entry_leaf_hash(entry) == hashlib.sha256(b"\x00" + canonical_json(entry)).digest()

    def test_decimals_as_strings_are_kept_verbatim(self) -> None:
        assert canonical_json({"outturn_lbs": "51.20"}) == b'{"outturn_lbs":"51.20"}'


class TestNoFloats:
    @pytest.mark.parametrize(
        "value, where",
        [
            (1.5, r"\$"),
            ({"quantity_kg": 12.0}, r"\$\.quantity_kg"),
            (
                {"inputs": [{"lot_id": "a", "quantity_g": 3}, {"quantity_g": 2.5}]},
                r"\$\.inputs\[1\]\.quantity_g",
            ),
            ([0, [1, [float("nan")]]], r"\$\[1\]\[1\]\[0\]"),
        ],
    )
    def test_float_anywhere_raises_type_error(self, value: Any, where: str) -> None:
        with pytest.raises(TypeError, match=where):
            canonical_json(value)

    def test_float_in_entry_data_blocks_the_leaf_hash(self) -> None:
        entry = harvest(data={"quantity_g": 1.0})
        with pytest.raises(TypeError):
            entry_leaf_hash(entry)

    def test_integers_and_booleans_are_fine(self) -> None:
        assert canonical_json({"n": 0, "ok": False, "big": 2**53 - 1}) == (b'{"big":9007199254740991,"n":0,"ok":false}')


class TestTimestamps:
    def test_seconds_precision_when_whole(self) -> None:
        assert harvest()["at"] == "2026-03-14T08:00:00Z"

    def test_microseconds_when_present(self) -> None:
        assert harvest(at=AT.replace(microsecond=120))["at"] == "2026-03-14T08:00:00.000120Z"

    def test_other_offsets_converted_to_utc(self) -> None:
        hanoi = timezone(timedelta(hours=7))
        assert harvest(at=datetime(2026, 3, 14, 15, 0, tzinfo=hanoi))["at"] == "2026-03-14T08:00:00Z"

    def test_naive_datetime_rejected(self) -> None:
        with pytest.raises(ValueError):
            harvest(at=datetime(2026, 3, 14, 8, 0))


class TestNonce:
    def test_format(self) -> None:
        for _ in range(50):
            nonce = new_nonce()
            assert len(nonce) == 22
            assert re.fullmatch(r"[A-Za-z0-9_-]{22}", nonce)
            assert len(base64.urlsafe_b64decode(nonce + "==")) == 16
            assert harvest(nonce=nonce)["nonce"] == nonce

    def test_random(self) -> None:
        assert len({new_nonce() for _ in range(100)}) == 100

    @pytest.mark.parametrize(
        "nonce",
        ["", "short", NONCE + "==", NONCE[:-1] + "B", NONCE[:-1] + "+", "AAECAwQFBgcICQoLDA0ODwA"],
        ids=["empty", "short", "padded", "non-canonical", "not-url-safe", "17-bytes"],
    )
    def test_malformed_nonce_rejected(self, nonce: str) -> None:
        with pytest.raises(ValueError):
            harvest(nonce=nonce)


class TestMakeEntryArguments:
    @pytest.mark.parametrize("field", ["type", "id", "by"])
    def test_empty_strings_rejected(self, field: str) -> None:
        with pytest.raises(ValueError):
            harvest(**{field: ""})

    def test_data_must_be_an_object(self) -> None:
        with pytest.raises(ValueError):
            harvest(data=["not", "an", "object"])
