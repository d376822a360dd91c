"""C2SP tlog-cosignature/v1: key ids and key strings, signing and verifying, and notes that carry them."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import Checkpoint, InvalidNote, Signer, open_note, sign_checkpoint, verify_checkpoint
from ledger.cosignature import (
    Cosignature,
    CosignatureSigner,
    CosignatureVerifier,
    cosign,
    cosignature_key_id,
    cosigned_message,
    verify_cosignatures,
)

SEED = bytes(range(32))
WITNESS = "witness.example/w1"
LOG = "example.com/behind-the-sofa"
ROOT = hashlib.sha256(b"a root").digest()
TIME = 1679315147
# A witness's verifier key that transparency-dev/formats' Go verifier accepts (note_cosigv1_test.go).
REMORA = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


@pytest.fixture
def witness() -> CosignatureSigner:
    return CosignatureSigner(WITNESS, SEED)


@pytest.fixture
def log() -> Signer:
    return Signer(LOG, bytes(range(100, 132)))


@pytest.fixture
def note(log: Signer) -> str:
    return sign_checkpoint(Checkpoint(LOG, 20852163, ROOT), log)


def signature_bytes(line: str) -> bytes:
    """The base64 part of a signature line, decoded."""
    return base64.b64decode(line.rstrip("\n").split(" ")[2])


class TestKeys:
    def test_key_id_is_sha256_of_name_newline_0x04_key(self, witness: CosignatureSigner) -> None:
        expected = hashlib.sha256(WITNESS.encode() + b"\n\x04" + witness.public_key).digest()[:4]
        assert witness.key_id == cosignature_key_id(WITNESS, witness.public_key) == expected

    def test_the_key_id_differs_from_the_same_key_as_a_note_signer(self, witness: CosignatureSigner) -> None:
        assert witness.key_id != Signer(WITNESS, SEED).key_id

    def test_vkey_form(self, witness: CosignatureSigner) -> None:
        name, kid, key = witness.vkey.split("+", 2)
        assert (name, kid) == (WITNESS, witness.key_id.hex())
        assert base64.b64decode(key) == b"\x04" + witness.public_key

    def test_skey_form_and_round_trip(self, witness: CosignatureSigner) -> None:
        assert witness.skey == f"PRIVATE+KEY+{WITNESS}+{witness.key_id.hex()}+" + base64.b64encode(
            b"\x04" + SEED
        ).decode("ascii")
        again = CosignatureSigner.from_skey(witness.skey)
        assert (again.name, again.seed, again.vkey) == (WITNESS, SEED, witness.vkey)

    def test_from_vkey_round_trip(self, witness: CosignatureSigner) -> None:
        verifier = CosignatureVerifier.from_vkey(witness.vkey)
        assert (verifier.name, verifier.public_key, verifier.key_id) == (WITNESS, witness.public_key, witness.key_id)

    def test_an_independent_implementation_s_vkey_has_our_key_id(self) -> None:
        verifier = CosignatureVerifier.from_vkey(REMORA)
        assert verifier.key_id.hex() == "da77ade7"
        assert verifier.vkey == REMORA

    @pytest.mark.parametrize(
        "bad",
        [
            "witness.example/w1+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # wrong key id
            "remora.n621.de+da77ade7+AevN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # type 0x01, a note key
            "remora.n621.de+da77ade7",
            "remora.n621.de+da77ade7+BOvN63jn",
            "remora n621+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
        ],
    )
    def test_malformed_vkeys_are_refused(self, bad: str) -> None:
        with pytest.raises(ValueError):
            CosignatureVerifier.from_vkey(bad)

    def test_a_note_signer_key_is_not_a_witness_key(self) -> None:
        with pytest.raises(ValueError):
            CosignatureSigner.from_skey(Signer(WITNESS, SEED).skey)
        with pytest.raises(ValueError):
            CosignatureVerifier.from_vkey(Signer(WITNESS, SEED).vkey)

    def test_generate_gives_distinct_keys(self) -> None:
        assert CosignatureSigner.generate(WITNESS).vkey != CosignatureSigner.generate(WITNESS).vkey


class TestCosign:
    def test_the_line_holds_key_id_big_endian_time_and_the_signature_of_the_spec_message(
        self, witness: CosignatureSigner, note: str
    ) -> None:
        line = cosign(note, witness, TIME)
        assert line.startswith(f"\u2014 {WITNESS} ") and line.endswith("\n")
        raw = signature_bytes(line)
        assert len(raw) == 4 + 8 + 64
        assert raw[:4] == witness.key_id
        assert raw[4:12] == TIME.to_bytes(8, "big")
        body = note[: note.index("\n\n") + 1]
        message = f"cosignature/v1\ntime {TIME}\n{body}".encode()  # the spec's message, spelled out here
        Ed25519PublicKey.from_public_bytes(witness.public_key).verify(raw[12:], message)  # raises if wrong

    def test_note_and_body_give_the_same_cosignature(self, witness: CosignatureSigner, note: str) -> None:
        body = note[: note.index("\n\n") + 1]
        assert cosign(note, witness, TIME) == cosign(body, witness, TIME)

    def test_a_zero_time_is_refused(self, witness: CosignatureSigner, note: str) -> None:
        with pytest.raises(ValueError):
            cosign(note, witness, 0)

    def test_cosigned_message(self) -> None:
        assert cosigned_message("a\n1\nb\n", 7) == b"cosignature/v1\ntime 7\na\n1\nb\n"
        with pytest.raises(ValueError):
            cosigned_message("no newline", 7)
        with pytest.raises(ValueError):
            cosigned_message("a\n", 2**63)


class TestVerifyCosignatures:
    def test_round_trip_gives_the_time(self, witness: CosignatureSigner, note: str) -> None:
        cosigned = note + cosign(note, witness, TIME)
        check = verify_cosignatures(cosigned, [witness.verifier()])[WITNESS]
        assert check.valid and check.status == "valid"
        assert check.cosignature is not None and check.cosignature.timestamp == TIME

    def test_every_tampered_byte_of_the_cosignature_fails(self, witness: CosignatureSigner, note: str) -> None:
        line = cosign(note, witness, TIME)
        raw = signature_bytes(line)
        for position in range(4, len(raw)):  # time and signature (a changed key id is another key)
            changed = raw[:position] + bytes([raw[position] ^ 0x01]) + raw[position + 1 :]
            tampered = note + f"\u2014 {WITNESS} {base64.b64encode(changed).decode()}\n"
            check = verify_cosignatures(tampered, [witness.verifier()])[WITNESS]
            assert check.status == "invalid", position

    def test_a_changed_checkpoint_fails(self, witness: CosignatureSigner, log: Signer, note: str) -> None:
        other = sign_checkpoint(Checkpoint(LOG, 20852164, ROOT), log)
        moved = other + cosign(note, witness, TIME)
        assert verify_cosignatures(moved, [witness.verifier()])[WITNESS].status == "invalid"

    def test_a_stranger_s_key_finds_no_cosignature(self, witness: CosignatureSigner, note: str) -> None:
        stranger = CosignatureSigner.generate("witness.example/w2").verifier()
        impostor = CosignatureSigner.generate(WITNESS).verifier()  # same name, other key id
        cosigned = note + cosign(note, witness, TIME)
        checks = verify_cosignatures(cosigned, [stranger, witness.verifier()])
        assert checks["witness.example/w2"].status == "missing"
        assert checks[WITNESS].status == "valid"
        assert verify_cosignatures(cosigned, [impostor])[WITNESS].status == "missing"

    def test_the_log_s_own_line_is_not_a_cosignature(self, log: Signer, note: str) -> None:
        # Same name and 0x04 key id as the log's key would give: still only the log's note signature.
        as_witness = CosignatureSigner(LOG, bytes(range(100, 132))).verifier()
        assert verify_cosignatures(note, [as_witness])[LOG].status == "missing"

    def test_several_witnesses(self, note: str) -> None:
        signers = [CosignatureSigner.generate(f"w{i}.example") for i in range(3)]
        cosigned = note + "".join(cosign(note, s, TIME + i) for i, s in enumerate(signers))
        checks = verify_cosignatures(cosigned, [s.verifier() for s in signers])
        assert [c.cosignature.timestamp for c in checks.values() if c.cosignature] == [TIME, TIME + 1, TIME + 2]

    def test_a_malformed_note_raises(self, witness: CosignatureSigner) -> None:
        with pytest.raises(InvalidNote):
            verify_cosignatures("no blank line\n", [witness.verifier()])

    def test_two_verifiers_with_one_name_are_refused(self, witness: CosignatureSigner, note: str) -> None:
        with pytest.raises(ValueError):
            verify_cosignatures(note, [witness.verifier(), CosignatureSigner.generate(WITNESS).verifier()])

    def test_a_short_signature_under_the_witness_key_is_invalid(self, witness: CosignatureSigner, note: str) -> None:
        short = note + f"\u2014 {WITNESS} {base64.b64encode(witness.key_id + bytes(70)).decode()}\n"
        assert verify_cosignatures(short, [witness.verifier()])[WITNESS].status == "invalid"

    def test_cosignature_line_round_trip(self, witness: CosignatureSigner, note: str) -> None:
        line = cosign(note, witness, TIME)
        check = verify_cosignatures(note + line, [witness.verifier()])[WITNESS]
        assert isinstance(check.cosignature, Cosignature) and check.cosignature.line() == line


class TestTheLogKeyAlone:
    def test_opens_a_cosigned_checkpoint(self, witness: CosignatureSigner, log: Signer, note: str) -> None:
        others = [CosignatureSigner.generate(f"w{i}.example") for i in range(3)]
        cosigned = note + cosign(note, witness, TIME) + "".join(cosign(note, s, TIME) for s in others)
        assert open_note(cosigned, log.verifier()) == note[: note.index("\n\n") + 1]
        assert verify_checkpoint(cosigned, log.verifier(), LOG) == Checkpoint(LOG, 20852163, ROOT)

    def test_still_refuses_a_cosigned_checkpoint_whose_body_changed(
        self, witness: CosignatureSigner, log: Signer, note: str
    ) -> None:
        cosigned = note + cosign(note, witness, TIME)
        with pytest.raises(InvalidNote):
            verify_checkpoint(cosigned.replace("20852163", "20852164"), log.verifier())
