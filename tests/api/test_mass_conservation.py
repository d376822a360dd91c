"""Property: random splits, transfers and batches never create mass, and every lot's
origin composition sums to 100 % (hypothesis, through the HTTP API)."""

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import farm_lot, import_lot, make_party

GRAMS = 1000


class World:
    """The parties of one example and every lot and transfer they have made."""

    def __init__(self, client: TestClient):
        self.client = client
        self.farmers = [make_party(client) for _ in range(2)]
        self.processors = [make_party(client, role="processor") for _ in range(2)]
        self.trader = make_party(client, role="trader")
        self.lots: list[str] = []
        self.transfers: list[tuple[dict[str, Any], str, int]] = []  # (recipient, transfer id, sent g)
        self.initial_g = 0
        self.lost_g = 0

    @property
    def holders(self) -> list[dict[str, Any]]:
        return [*self.farmers, *self.processors, self.trader]

    def read(self, lot_id: str) -> dict[str, Any]:
        for party in self.holders + [self.any_regulator()]:
            response = self.client.get(f"/api/v1/lots/{lot_id}", headers=party["headers"])
            if response.status_code == 200:
                lot: dict[str, Any] = response.json()
                return lot
        raise AssertionError(f"nobody can read {lot_id}")

    def any_regulator(self) -> dict[str, Any]:
        if not hasattr(self, "_regulator"):
            self._regulator = make_party(self.client, role="regulator")
        return self._regulator

    def held(self, party: dict[str, Any]) -> list[dict[str, Any]]:
        lots = [self.read(lot_id) for lot_id in self.lots]
        return [
            lot for lot in lots if lot["owner_id"] == party["id"] and lot["status"] == "held" and lot["quantity_kg"] > 0
        ]

    def total_g(self) -> int:
        return sum(round(self.read(lot_id)["quantity_kg"] * GRAMS) for lot_id in self.lots)


def dispatch(world: World, data: st.DataObject) -> None:
    sender = data.draw(st.sampled_from(world.holders))
    lots = world.held(sender)
    if not lots:
        return
    lot = data.draw(st.sampled_from(lots))
    recipient = data.draw(st.sampled_from([*world.processors, world.trader]))
    held_g = round(lot["quantity_kg"] * GRAMS)
    quantity_g = data.draw(st.integers(1, held_g + 500))  # sometimes more than held: must be refused
    response = world.client.post(
        f"/api/v1/lots/{lot['lot_id']}/dispatch",
        json={"to_party_id": recipient["id"], "quantity_kg": quantity_g / GRAMS},
        headers=sender["headers"],
    )
    if quantity_g > held_g or recipient["id"] == sender["id"]:
        assert response.status_code == 422
        return
    assert response.status_code == 201, response.text
    world.lots.append(response.json()["lot_id"]) if response.json()["lot_id"] not in world.lots else None
    world.transfers.append((recipient, response.json()["id"], quantity_g))


def settle(world: World, data: st.DataObject) -> None:
    if not world.transfers:
        return
    recipient, transfer_id, sent_g = world.transfers.pop(data.draw(st.integers(0, len(world.transfers) - 1)))
    if data.draw(st.booleans()):
        received_g = data.draw(st.integers(1, sent_g))
        response = world.client.post(
            f"/api/v1/transfers/{transfer_id}/receive",
            json={"received_kg": received_g / GRAMS},
            headers=recipient["headers"],
        )
        assert response.status_code == 200, response.text
        world.lost_g += sent_g - received_g
    else:
        sender_id = response_sender(world, transfer_id, recipient)
        response = world.client.post(f"/api/v1/transfers/{transfer_id}/cancel", headers=sender_id["headers"])
        assert response.status_code == 200, response.text


def response_sender(world: World, transfer_id: str, recipient: dict[str, Any]) -> dict[str, Any]:
    transfer = world.client.get(f"/api/v1/transfers/{transfer_id}", headers=recipient["headers"]).json()
    return next(p for p in world.holders if p["id"] == transfer["from_party_id"])


def process(world: World, data: st.DataObject) -> None:
    processor = data.draw(st.sampled_from(world.processors))
    lots = world.held(processor)
    if not lots:
        return
    chosen = data.draw(st.lists(st.sampled_from(lots), min_size=1, max_size=3, unique_by=lambda lot: lot["lot_id"]))
    inputs = [(lot, data.draw(st.integers(1, round(lot["quantity_kg"] * GRAMS)))) for lot in chosen]
    input_g = sum(q for _, q in inputs)
    raw_g = sum(q for lot, q in inputs if lot["product"] == "rcn")
    kernel_g = data.draw(st.integers(0, raw_g * 25 // 100)) if raw_g else 0
    rest_g = data.draw(st.integers(0, input_g - kernel_g + 300))  # sometimes too much: must be refused
    outputs = ([{"product": "kernel", "grade": "W320", "quantity_kg": kernel_g / GRAMS}] if kernel_g else []) + (
        [{"product": "shell", "grade": None, "quantity_kg": rest_g / GRAMS}] if rest_g else []
    )
    if not outputs:
        return
    response = world.client.post(
        "/api/v1/batches",
        headers=processor["headers"],
        json={"inputs": [{"lot_id": lot["lot_id"], "quantity_kg": q / GRAMS} for lot, q in inputs], "outputs": outputs},
    )
    if kernel_g + rest_g > input_g:
        assert response.status_code == 422 and response.json()["error"] == "mass_balance_violation"
        return
    assert response.status_code == 201, response.text
    world.lots += [o["lot_id"] for o in response.json()["outputs"]]
    world.lost_g += input_g - kernel_g - rest_g


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_custody_and_batches_never_create_mass(client: TestClient, data: st.DataObject) -> None:
    world = World(client)
    for farmer in world.farmers:
        kg = data.draw(st.integers(200, 3000))
        world.lots.append(farm_lot(client, farmer, kg))
        world.initial_g += kg * GRAMS
    kg = data.draw(st.integers(500, 5000))
    world.lots.append(import_lot(client, world.processors[0], kg))
    world.initial_g += kg * GRAMS
    for step in data.draw(st.lists(st.sampled_from([dispatch, dispatch, settle, process]), min_size=3, max_size=10)):
        step(world, data)
        total = world.total_g()
        assert total <= world.initial_g, "mass was created"
        assert total + world.lost_g == world.initial_g, "mass went missing without a recorded loss"
    for lot_id in world.lots:
        shares = [o["share_pct"] for o in world.read(lot_id)["origin"]]
        assert abs(sum(shares) - 100) < 0.05, (lot_id, shares)
