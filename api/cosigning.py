"""Asking the witnesses of ``CASHEW_WITNESS_POLICY`` to cosign the log's checkpoints (SPEC §5.7).

One thread per witness, beside the server and never inside a client's write: it waits for a
checkpoint newer than the last the witness cosigned (a read of one row every ``POLL`` seconds),
sends it with the consistency proof from the size the witness last cosigned (C2SP
tlog-witness ``add-checkpoint``), and keeps the cosignature with the checkpoint. A 409 tells
the witness's size; the next request is sent from there at once (for the newest checkpoint, when
another worker of the log had a newer one cosigned meanwhile). A witness that is down,
slow or refusing delays only its own cosignature: its thread waits ``BACKOFF`` seconds after
a failure, doubling up to ``MAX_BACKOFF``, and each new attempt is for the newest checkpoint
(cosignatures of older ones are not needed once a newer one is cosigned).
"""

import logging
import threading
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine

from ledger.cosignature import InvalidNote
from ledger.note import b64encode
from ledger.tree import consistency_proof
from traceability.anchoring import SqlLog
from traceability.anchoring.models import LedgerCheckpoint
from traceability.anchoring.witnesses import Witness, WitnessPolicy, accept, last_cosigned
from traceability.db import open_session, unit_of_work

log = logging.getLogger("cashew.witness")
POLL = 0.1  # seconds between looks for a new checkpoint
TIMEOUT = 5.0  # seconds a witness has to answer
BACKOFF, MAX_BACKOFF = 0.5, 30.0
MAX_CONFLICTS = 3  # 409s in a row before backing off (a witness whose size moves under us)


@dataclass
class WitnessState:
    """What one witness thread knows: the size the witness holds, and how it went lately."""

    witness: Witness
    size: int | None = None  # the witness's size for our origin, once known
    cosigned: int | None = None  # the largest size it cosigned for us
    failures: int = 0


@dataclass
class Cosigner:
    engine: Engine
    policy: WitnessPolicy
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for witness in self.policy.witnesses:
            thread = threading.Thread(
                target=self._run, args=(WitnessState(witness),), name=f"witness-{witness.name}", daemon=True
            )
            self.threads.append(thread)
            thread.start()

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=TIMEOUT + 1)

    def _run(self, state: WitnessState) -> None:
        with open_session(self.engine) as session:
            state.cosigned = state.size = last_cosigned(session, state.witness.name)
        with httpx.Client(timeout=TIMEOUT) as client:
            while not self.stop.is_set():
                latest = _latest(self.engine)
                if latest is None or (state.cosigned is not None and latest.size <= state.cosigned):
                    self.stop.wait(POLL)
                    continue
                try:
                    self._ask(client, state, latest)
                    state.failures = 0
                except (httpx.HTTPError, InvalidNote, _Refused) as exc:
                    state.failures += 1
                    delay = min(BACKOFF * 2 ** (state.failures - 1), MAX_BACKOFF)
                    log.warning("witness %s: %s (next try in %.1f s)", state.witness.name, exc, delay)
                    self.stop.wait(delay)
                except Exception:  # a bug here must not end the thread: the witness would never be asked again
                    log.exception("witness %s: asking failed", state.witness.name)
                    self.stop.wait(MAX_BACKOFF)

    def _ask(self, client: httpx.Client, state: WitnessState, checkpoint: LedgerCheckpoint) -> None:
        for _ in range(MAX_CONFLICTS):
            old = state.size or 0
            if old > checkpoint.size:  # another worker (or host) of this log had a newer checkpoint cosigned
                newer = _latest(self.engine)
                if newer is None or newer.size < old:
                    raise _Refused(f"it holds size {old}, more than our newest checkpoint: a fork, or our log shrank")
                checkpoint = newer
            response = client.post(
                f"{state.witness.url}/add-checkpoint",
                content=_request(self.engine, old, checkpoint),
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
            if response.status_code == 409 and response.text.strip().isdigit():
                state.size = int(response.text.strip())  # its size: ask again from there
                continue
            if response.status_code != 200:
                raise _Refused(f"answered {response.status_code}: {response.text.strip()[:200]}")
            with unit_of_work(self.engine) as session:
                accept(session, checkpoint, state.witness, response.text)
            state.size = state.cosigned = checkpoint.size
            return
        raise _Refused(f"{MAX_CONFLICTS} conflicts in a row: its size keeps moving")


class _Refused(Exception):
    """The witness would not cosign (or could not be asked sensibly): back off, try the newest later."""


def _latest(engine: Engine) -> LedgerCheckpoint | None:
    with open_session(engine) as session:
        return SqlLog(session.connection()).latest_checkpoint()


def _request(engine: Engine, old: int, checkpoint: LedgerCheckpoint) -> bytes:
    """``old <size>``, the consistency proof from ``old`` to the checkpoint, a blank line, the checkpoint."""
    with open_session(engine) as session:
        proof = (
            consistency_proof(SqlLog(session.connection()), old, checkpoint.size) if 0 < old < checkpoint.size else []
        )
    lines = [f"old {old}", *(b64encode(h) for h in proof), "", checkpoint.note]
    return "\n".join(lines).encode()


def start(engine: Engine, policy: WitnessPolicy) -> Cosigner:
    cosigner = Cosigner(engine, policy)
    cosigner.start()
    return cosigner
