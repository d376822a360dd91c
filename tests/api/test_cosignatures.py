"""Cosignatures kept with their checkpoints (SPEC §5.7), on both databases: served by
``/ledger/checkpoint`` (``?cosigned=K``), chosen by bundles under a witness policy, named on the
buyer's page. The cosignatures are real: a witness (``ledger.witness``) cosigns in-process and the
server's own ``accept`` keeps its answer, as its witness threads do.
"""

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api import cosigning
from api.app import create_app
from ledger.checkpoint import Verifier, verify_checkpoint
from ledger.cosignature import CosignatureSigner, CosignatureVerifier, InvalidNote, cosign, verify_cosignatures
from ledger.witness import Witness as WitnessProgram
from tests.api.test_resolver import _kernel_lot
from tests.factories import farm_lot, make_party, ok
from tests.live import free_port
from tests.witnesses import make_witness, serving
from traceability.anchoring import SqlLog
from traceability.anchoring.witnesses import PolicyError, Witness, WitnessPolicy, accept
from traceability.db import open_session, unit_of_work
from traceability.provenance import service as provenance
from traceability.settings import Settings

NOW = 1_780_000_000
_dbs = itertools.count()


def cosign_latest(engine: Engine, tmp_path: Path, signer: CosignatureSigner, log_vkey: str) -> int:
    """A witness with no memory cosigns the latest checkpoint; the server keeps its answer. Its size."""
    program = WitnessProgram(tmp_path / f"witness-{next(_dbs)}.db", signer, [Verifier.from_vkey(log_vkey)])
    with open_session(engine) as session:
        checkpoint = SqlLog(session.connection()).latest_checkpoint()
    assert checkpoint is not None
    answer = program.add_checkpoint(f"old 0\n\n{checkpoint.note}".encode(), NOW)
    assert answer.status == 200, answer
    witness = Witness(signer.verifier().name, signer.verifier(), "http://127.0.0.1:1")
    with unit_of_work(engine) as session:
        accept(session, checkpoint, witness, answer.body.decode())
    return checkpoint.size


@pytest.fixture
def w1() -> CosignatureSigner:
    return CosignatureSigner.generate("w1.witness.test")


@pytest.fixture
def w2() -> CosignatureSigner:
    return CosignatureSigner.generate("w2.witness.test")


@pytest.fixture
def witnessed(
    settings: Settings, engine: Engine, tmp_path: Path, w1: CosignatureSigner, w2: CosignatureSigner
) -> Iterator[TestClient]:
    """The app under a policy of two witnesses, quorum 2, whose URLs answer nothing: its own witness
    threads get nowhere (and back off), so every cosignature here is the test's."""
    dead = free_port()
    lines = [f"witness {s.verifier().name} {s.vkey} http://127.0.0.1:{dead}" for s in (w1, w2)]
    policy = tmp_path / "policy"
    policy.write_text("\n".join([*lines, "quorum 2", ""]))
    with TestClient(create_app(settings.model_copy(update={"witness_policy": policy}), engine)) as client:
        yield client


def log_vkey(client: TestClient) -> str:
    vkey: str = client.get("/ledger/key").json()["vkey"]
    return vkey


def test_the_checkpoint_is_served_with_its_cosignatures(
    client: TestClient, engine: Engine, tmp_path: Path, w1: CosignatureSigner, w2: CosignatureSigner
) -> None:
    farm_lot(client, make_party(client))
    missing = client.get("/ledger/checkpoint", params={"cosigned": 1})
    assert missing.status_code == 404 and missing.json()["error"] == "not_cosigned"
    size = cosign_latest(engine, tmp_path, w1, log_vkey(client))
    farm_lot(client, make_party(client))  # a newer checkpoint, not cosigned
    verifiers = [CosignatureVerifier.from_vkey(s.vkey) for s in (w1, w2)]
    latest = client.get("/ledger/checkpoint").text
    assert not verify_cosignatures(latest, verifiers)["w1.witness.test"].valid
    one = client.get("/ledger/checkpoint", params={"cosigned": 1}).text
    checks = verify_cosignatures(one, verifiers)
    assert checks["w1.witness.test"].valid and checks["w2.witness.test"].status == "missing"
    key = client.get("/ledger/key").json()
    assert verify_checkpoint(one, Verifier.from_vkey(key["vkey"]), key["origin"]).size == size  # the log's key alone
    assert client.get("/ledger/checkpoint", params={"cosigned": 2}).status_code == 404
    cosign_latest(engine, tmp_path, w2, log_vkey(client))
    assert client.get("/ledger/checkpoint", params={"cosigned": 1}).text != one  # a newer one has one now
    assert client.get("/ledger/checkpoint", params={"cosigned": 0}).status_code == 422


def test_an_answer_that_is_not_the_witness_cosignature_is_not_kept(
    client: TestClient, engine: Engine, w1: CosignatureSigner, w2: CosignatureSigner
) -> None:
    farm_lot(client, make_party(client))
    with open_session(engine) as session:
        checkpoint = SqlLog(session.connection()).latest_checkpoint()
    assert checkpoint is not None
    witness = Witness("w1.witness.test", w1.verifier(), "http://127.0.0.1:1")
    for answer in ("", "— w1.witness.test AAAA\n", cosign(checkpoint.note, w2, NOW)):  # nothing, garbage, another's
        with unit_of_work(engine) as session, pytest.raises(InvalidNote):
            accept(session, checkpoint, witness, answer)
    assert client.get("/ledger/checkpoint", params={"cosigned": 1}).status_code == 404


def test_a_bundle_comes_against_the_newest_checkpoint_with_the_quorum(
    witnessed: TestClient,
    engine: Engine,
    tmp_path: Path,
    w1: CosignatureSigner,
    w2: CosignatureSigner,
    monkeypatch: Any,
) -> None:
    client = witnessed
    lot = farm_lot(client, make_party(client))
    for signer in (w1, w2):
        size = cosign_latest(engine, tmp_path, signer, log_vkey(client))
    farm_lot(client, make_party(client))  # the log grows past the cosigned checkpoint
    bundle = ok(client.get(f"/api/v1/lots/{lot}/provenance"), 200)
    key = client.get("/ledger/key").json()
    assert verify_checkpoint(bundle["checkpoint"], Verifier.from_vkey(key["vkey"]), key["origin"]).size == size
    verifiers = [CosignatureVerifier.from_vkey(s.vkey) for s in (w1, w2)]
    assert all(c.valid for c in verify_cosignatures(bundle["checkpoint"], verifiers).values())
    # A lot written after that checkpoint: no checkpoint covering it has the quorum; after the wait, the latest.
    monkeypatch.setattr(provenance, "QUORUM_WAIT", 0.2)
    later = farm_lot(client, make_party(client))
    fresh = ok(client.get(f"/api/v1/lots/{later}/provenance"), 200)
    latest = verify_checkpoint(fresh["checkpoint"], Verifier.from_vkey(key["vkey"]), key["origin"])
    assert (
        latest.size > size
        and latest.size
        == verify_checkpoint(client.get("/ledger/checkpoint").text, Verifier.from_vkey(key["vkey"]), key["origin"]).size
    )
    assert not any(c.valid for c in verify_cosignatures(fresh["checkpoint"], verifiers).values())


def test_the_buyers_page_names_the_witnesses_of_its_checkpoint(
    client: TestClient, engine: Engine, tmp_path: Path, w1: CosignatureSigner
) -> None:
    lot = _kernel_lot(client, engine, "8935431")
    before = ok(client.get(lot.path, headers={"Accept": "application/json"}), 200)
    assert before["ledger"]["verified"] and before["ledger"]["witnesses"] == []
    cosign_latest(engine, tmp_path, w1, log_vkey(client))
    after = ok(client.get(lot.path, headers={"Accept": "application/json"}), 200)  # no write: only a cosignature
    assert [w["name"] for w in after["ledger"]["witnesses"]] == ["w1.witness.test"]
    page = client.get(lot.path, params={"lang": "en"}).text
    assert "Independent witnesses who cosigned this checkpoint" in page and "w1.witness.test" in page


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "names no witness"),
        ("quorum 1\n", "names no witness"),
        ("witness a.test nope http://x\n", "is not a witness key"),
        ("witness other.test {vkey} http://x\n", "the key names"),
        ("witness w1.witness.test {vkey} ftp://x\n", r"is not an http\(s\) URL"),
        ("witness w1.witness.test {vkey} http://x\nwitness w1.witness.test {vkey} http://y\n", "named twice"),
        ("witness w1.witness.test {vkey} http://x\nquorum 2\n", "quorum 2 must be between 1 and the 1"),
        ("witness w1.witness.test {vkey} http://x\nquorum 0\n", "quorum 0"),
        ("witnesses are us\n", "expected 'witness NAME VKEY URL'"),
    ],
)
def test_a_policy_that_cannot_be_read_says_where(tmp_path: Path, w1: CosignatureSigner, text: str, reason: str) -> None:
    path = tmp_path / "policy"
    path.write_text(text.replace("{vkey}", w1.vkey))
    with pytest.raises(PolicyError, match=reason):
        WitnessPolicy.read(path)


def test_a_policy_with_comments_and_the_default_quorum(
    tmp_path: Path, w1: CosignatureSigner, w2: CosignatureSigner
) -> None:
    path = tmp_path / "policy"
    lines = ["# the Department's and the association's", f"witness w1.witness.test {w1.vkey} http://a/  # first", ""]
    path.write_text("\n".join([*lines, f"witness w2.witness.test {w2.vkey} https://b", ""]))
    policy = WitnessPolicy.read(path)
    assert [w.name for w in policy.witnesses] == ["w1.witness.test", "w2.witness.test"] and policy.quorum == 2
    assert policy.witnesses[0].url == "http://a"


def test_a_witness_ahead_of_a_workers_checkpoint_is_asked_for_the_newest_not_taken_for_a_fork(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """Two workers of one log ask the same witness: when the other one had a newer checkpoint cosigned,
    the witness's size is above the checkpoint this one holds, and the newest checkpoint is asked for."""
    served = make_witness(tmp_path, "w1")
    farm_lot(client, make_party(client))
    with open_session(engine) as session:
        older = SqlLog(session.connection()).latest_checkpoint()
    farm_lot(client, make_party(client))
    with open_session(engine) as session:
        newest = SqlLog(session.connection()).latest_checkpoint()
    assert older is not None and newest is not None and newest.size > older.size
    with serving(served, log_vkey(client), client.get("/ledger/key").json()["origin"]) as (_proc, url):
        verifier = CosignatureVerifier.from_vkey(served.vkey)
        policy = WitnessPolicy((Witness(verifier.name, verifier, url),), 1)
        cosigner, other = cosigning.Cosigner(engine, policy), cosigning.WitnessState(policy.witnesses[0])
        with httpx.Client(timeout=10) as http:
            cosigner._ask(http, other, newest)  # the other worker: the witness now holds the newest
            mine = cosigning.WitnessState(policy.witnesses[0], size=other.size)
            cosigner._ask(http, mine, older)  # this worker still looks at the older checkpoint
    assert mine.cosigned == newest.size
    assert client.get("/ledger/checkpoint", params={"cosigned": 1}).text.startswith(newest.note)
