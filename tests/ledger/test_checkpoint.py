"""Signed notes against the Go reference, key formats, checkpoint bodies and their links."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import (
    Checkpoint,
    InvalidNote,
    Signer,
    Verifier,
    link_message,
    open_note,
    sign_checkpoint,
    sign_link,
    sign_note,
    verify_checkpoint,
    verify_link,
)

SEED = bytes(range(32))
ROOT = hashlib.sha256(b"some root").digest()


def altered_notes(note: str) -> list[tuple[int, int, str]]:
    """Every one-byte change of the UTF-8 note, for a spread of new byte values.

    Changes that break UTF-8 come back as lone surrogates, which no valid
    note contains, so the verifier must reject them too.
    """
    raw = note.encode()
    out = []
    for position, old in enumerate(raw):
        for new in {old ^ 0x01, old ^ 0x20, old ^ 0x80, ord("A"), ord(" "), ord("\n")} - {old}:
            changed = raw[:position] + bytes([new]) + raw[position + 1 :]
            out.append((position, new, changed.decode("utf-8", errors="surrogateescape")))
    return out


class TestGoReference:
    def test_skey_gives_the_reference_vkey(self, go_reference: dict[str, str]) -> None:
        signer = Signer.from_skey(go_reference["skey"])
        assert signer.vkey == go_reference["vkey"]
        assert signer.skey == go_reference["skey"]
        assert signer.name == "PeterNeumann"

    def test_sign_note_reproduces_the_note_byte_for_byte(self, go_reference: dict[str, str]) -> None:
        signer = Signer.from_skey(go_reference["skey"])
        note = sign_note(go_reference["text"], signer)
        assert note.encode() == go_reference["note"].encode()

    def test_open_note_accepts_the_reference(self, go_reference: dict[str, str]) -> None:
        verifier = Verifier.from_vkey(go_reference["vkey"])
        assert open_note(go_reference["note"], verifier) == go_reference["text"]

    def test_every_single_byte_change_is_rejected(self, go_reference: dict[str, str]) -> None:
        verifier = Verifier.from_vkey(go_reference["vkey"])
        changes = altered_notes(go_reference["note"])
        assert len(changes) > 5 * len(go_reference["note"])
        for position, new, note in changes:
            with pytest.raises(InvalidNote):
                open_note(note, verifier)
                pytest.fail(f"accepted byte {position} changed to {new:#04x}")

    def test_other_key_with_the_same_name_is_rejected(self, go_reference: dict[str, str]) -> None:
        other = Signer.generate("PeterNeumann").verifier()
        with pytest.raises(InvalidNote, match="no signature"):
            open_note(go_reference["note"], other)

    def test_other_name_with_the_same_key_is_rejected(self, go_reference: dict[str, str]) -> None:
        public_key = Verifier.from_vkey(go_reference["vkey"]).public_key
        with pytest.raises(InvalidNote, match="no signature"):
            open_note(go_reference["note"], Verifier("Peter", public_key))


class TestKeys:
    def test_key_id_formula(self) -> None:
        signer = Signer.from_seed("example.com/log", SEED)
        expected = hashlib.sha256(b"example.com/log\n\x01" + signer.public_key).digest()[:4]
        assert signer.key_id == expected
        assert (
            signer.vkey
            == "example.com/log+" + expected.hex() + "+" + base64.b64encode(b"\x01" + signer.public_key).decode()
        )

    def test_skey_round_trip(self) -> None:
        signer = Signer.from_seed("example.com/log", SEED)
        again = Signer.from_skey(signer.skey)
        assert (again.seed, again.name, again.key_id) == (SEED, signer.name, signer.key_id)
        assert signer.skey.startswith("PRIVATE+KEY+example.com/log+")

    def test_vkey_round_trip(self) -> None:
        signer = Signer.generate("example.com/log")
        verifier = Verifier.from_vkey(signer.vkey)
        assert (verifier.name, verifier.key_id) == (signer.name, signer.key_id)
        assert verifier.verify(b"msg", signer.sign(b"msg"))
        assert not verifier.verify(b"msg!", signer.sign(b"msg"))
        assert not verifier.verify(b"msg", b"short")

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda v: v.replace("+", "-", 1),  # two parts
            lambda v: "bad name" + v[v.index("+") :],  # space in name
            lambda v: "+" + v.split("+", 1)[1],  # empty name
            lambda v: v.replace(v.split("+")[1], "0000000g"),  # not hex
            lambda v: v.replace(v.split("+")[1], "00000000"),  # id does not match key
            lambda v: v.replace(v.split("+")[1], v.split("+")[1][:6]),  # short id
            lambda v: v[:-2],  # truncated base64
            lambda v: v.rsplit("+", 1)[0] + "+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
        ],
        ids=["parts", "space", "empty-name", "hex", "mismatch", "short-id", "base64", "algorithm"],
    )
    def test_malformed_vkey_rejected(self, mutate: Callable[[str], str]) -> None:
        vkey = Signer.from_seed("example.com/log", SEED).vkey
        with pytest.raises(ValueError):
            Verifier.from_vkey(mutate(vkey))

    @pytest.mark.parametrize(
        "skey",
        [
            "PRIVATE+KEY+name+00000000",
            "PUBLIC+KEY+name+00000000+" + base64.b64encode(b"\x01" + SEED).decode(),
            "PRIVATE+KEY+name+00000000+" + base64.b64encode(b"\x01" + SEED).decode(),
            "PRIVATE+KEY+name+00000000+" + base64.b64encode(b"\x01" + SEED[:31]).decode(),
        ],
        ids=["parts", "prefix", "key-id", "seed-length"],
    )
    def test_malformed_skey_rejected(self, skey: str) -> None:
        with pytest.raises(ValueError):
            Signer.from_skey(skey)

    def test_invalid_names_and_seeds_rejected(self) -> None:
        for name in ("", "a b", "a+b", "tab\there"):
            with pytest.raises(ValueError):
                Signer.from_seed(name, SEED)
        with pytest.raises(ValueError):
            Signer.from_seed("ok", SEED[:31])


class TestNotes:
    def test_text_must_end_with_newline(self) -> None:
        with pytest.raises(ValueError):
            sign_note("no newline", Signer.from_seed("log", SEED))

    def test_text_must_not_hold_control_characters(self) -> None:
        with pytest.raises(ValueError):
            sign_note("bell\x07\n", Signer.from_seed("log", SEED))

    def test_signatures_by_unknown_keys_are_ignored(self) -> None:
        ours, witness = Signer.from_seed("log", SEED), Signer.generate("witness")
        witness_line = sign_note("text\n", witness).split("\n\n")[1]
        note = sign_note("text\n", ours)
        cosigned = note[: note.index("\u2014")] + witness_line + note[note.index("\u2014") :]
        assert open_note(cosigned, ours.verifier()) == "text\n"
        assert open_note(cosigned, witness.verifier()) == "text\n"

    def test_text_may_contain_blank_lines(self) -> None:
        signer = Signer.from_seed("log", SEED)
        text = "para one\n\npara two\n"
        assert open_note(sign_note(text, signer), signer.verifier()) == text

    @pytest.mark.parametrize(
        "edit, reason",
        [
            (lambda n: n.replace("\n\n", "\n"), "blank line"),
            (lambda n: n[:-1], "newline"),
            (lambda n: n + n.split("\n\n")[1], "two signatures"),
            (lambda n: n.replace("\u2014 ", "- "), "malformed signature line"),
            (lambda n: n.replace("text", "te\x01t"), "control character"),
            (lambda n: n.replace("text", "tests"), "bad signature"),
            (lambda n: n.replace("=\n", "\n"), "malformed signature"),
        ],
        ids=[
            "no-blank-line",
            "no-final-newline",
            "duplicate",
            "dash",
            "control",
            "text",
            "padding",
        ],
    )
    def test_malformed_or_altered_notes_rejected(self, edit: Callable[[str], str], reason: str) -> None:
        signer = Signer.from_seed("log", SEED)
        note = sign_note("text\n", signer)
        assert note.endswith("=\n")
        with pytest.raises(InvalidNote, match=reason):
            open_note(edit(note), signer.verifier())


class TestCheckpoint:
    def test_body_format(self) -> None:
        cp = Checkpoint("example.com/cashew", 1234, ROOT)
        assert cp.body() == "example.com/cashew\n1234\n" + base64.b64encode(ROOT).decode() + "\n"

    def test_parse_round_trip(self) -> None:
        for cp in (Checkpoint("example.com/cashew", 0, ROOT), Checkpoint("o", 10**12, ROOT)):
            assert Checkpoint.parse(cp.body()) == cp

    @pytest.mark.parametrize(
        "text",
        [
            "origin\n12\n{root}",  # no final newline
            "origin\n012\n{root}\n",  # leading zero
            "origin\n-1\n{root}\n",
            "origin\n1_000\n{root}\n",
            "origin\n\uff11\uff12\n{root}\n",  # fullwidth digits
            "origin\n12\n{root}\nextension\n",
            "origin\n12\n",
            "\n12\n{root}\n",  # empty origin
            "origin\n12\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
            "origin\n12\n{root_no_pad}\n",
            "origin\n12\n{root} \n",
        ],
    )
    def test_malformed_body_rejected(self, text: str) -> None:
        root = base64.b64encode(ROOT).decode()
        with pytest.raises(ValueError):
            Checkpoint.parse(text.format(root=root, root_no_pad=root.rstrip("=")))

    def test_constructor_validates(self) -> None:
        for args in (
            ("", 1, ROOT),
            ("o\nx", 1, ROOT),
            ("o", -1, ROOT),
            ("o", True, ROOT),
            ("o", 1, ROOT[:5]),
        ):
            with pytest.raises(ValueError):
                Checkpoint(*args)

    def test_sign_and_verify(self) -> None:
        signer = Signer.from_seed("example.com/cashew", SEED)
        cp = Checkpoint("example.com/cashew", 7, ROOT)
        note = sign_checkpoint(cp, signer)
        assert note.startswith(cp.body() + "\n\u2014 example.com/cashew ")
        assert verify_checkpoint(note, signer.verifier()) == cp
        assert verify_checkpoint(note, signer.verifier(), origin="example.com/cashew") == cp

    def test_origin_mismatch_rejected(self) -> None:
        signer = Signer.from_seed("example.com/cashew", SEED)
        note = sign_checkpoint(Checkpoint("example.com/cashew", 7, ROOT), signer)
        with pytest.raises(InvalidNote, match="origin"):
            verify_checkpoint(note, signer.verifier(), origin="example.com/other")

    def test_signed_garbage_is_not_a_checkpoint(self) -> None:
        signer = Signer.from_seed("log", SEED)
        with pytest.raises(InvalidNote, match="malformed checkpoint"):
            verify_checkpoint(sign_note("hello\n", signer), signer.verifier())


class TestLinks:
    """A checkpoint's link: the log key's signature over the note texts of its predecessor and itself."""

    signer = Signer.from_seed("example.com/log", SEED)
    five = Checkpoint("example.com/log", 5, ROOT)
    seven = Checkpoint("example.com/log", 7, hashlib.sha256(b"another root").digest())

    def test_the_message_is_the_context_and_both_note_texts(self) -> None:
        root5, root7 = (base64.b64encode(c.root_hash) for c in (self.five, self.seven))
        assert link_message(self.five, self.seven) == (
            b"cashew-checkpoint-link/v1\nexample.com/log\n5\n" + root5 + b"\nexample.com/log\n7\n" + root7 + b"\n"
        )
        assert link_message(None, self.five) == b"cashew-checkpoint-link/v1\nexample.com/log\n5\n" + root5 + b"\n"

    def test_a_link_is_an_ed25519_signature_of_the_message(self) -> None:
        link = sign_link(self.five, self.seven, self.signer)
        public = Ed25519PublicKey.from_public_bytes(self.signer.public_key)
        public.verify(link, link_message(self.five, self.seven))  # raises if not
        assert link == sign_link(self.five, self.seven, self.signer)  # deterministic
        verify_link(link, self.five, self.seven, self.signer.verifier())
        verify_link(sign_link(None, self.five, self.signer), None, self.five, self.signer.verifier())

    def test_a_link_verifies_for_its_own_pair_only(self) -> None:
        link = sign_link(self.five, self.seven, self.signer)
        verifier = self.signer.verifier()
        six = Checkpoint("example.com/log", 6, ROOT)
        other_root = Checkpoint("example.com/log", 5, bytes(32))
        for previous, checkpoint in [
            (None, self.seven),
            (six, self.seven),
            (other_root, self.seven),
            (None, self.five),
        ]:
            with pytest.raises(InvalidNote, match="is not example.com/log's signature"):
                verify_link(link, previous, checkpoint, verifier)
        other_key = Signer.from_seed("example.com/log", bytes(32)).verifier()
        for bad, key in [(link, other_key), (link[:-1] + bytes([link[-1] ^ 1]), verifier), (link[:63], verifier)]:
            with pytest.raises(InvalidNote):
                verify_link(bad, self.five, self.seven, key)

    def test_the_checkpoint_note_signature_is_not_a_link(self) -> None:
        note = sign_checkpoint(self.five, self.signer)
        signature = base64.b64decode(note.rsplit(" ", 1)[1])[4:]
        assert self.signer.verifier().verify(self.five.body().encode(), signature)
        with pytest.raises(InvalidNote):
            verify_link(signature, None, self.five, self.signer.verifier())

    def test_a_link_joins_a_smaller_checkpoint_of_the_same_log(self) -> None:
        elsewhere = Checkpoint("example.org/log", 3, ROOT)
        for previous, checkpoint in [(self.seven, self.five), (self.five, self.five), (elsewhere, self.five)]:
            with pytest.raises(ValueError, match="a link joins a checkpoint to a smaller one of its log"):
                link_message(previous, checkpoint)
