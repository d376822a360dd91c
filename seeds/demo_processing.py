"""The demo's processing and trade chapter (June 2026): the farmers deliver their nuts to the
Đồng Xoài processor, a container arrives from Côte d'Ivoire, cutting tests are made, two batches
turn the nuts into graded kernels — one from the organic farm alone, one mixed with imports —
and a trader ships cartons of the mixed kernels to the Netherlands.

Everything goes through the same service functions as the API, at fixed moments.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import partial
from hashlib import sha256
from typing import Any, Protocol

from sqlmodel import Session

from traceability.epcis.capture import capture
from traceability.labels.service import labels_data
from traceability.lots.models import Lot
from traceability.parties.models import Party
from traceability.processing import batches, custody, imports, quality
from traceability.processing.schemas import (
    BatchCreate,
    BatchInput,
    BatchOutput,
    DispatchCreate,
    Document,
    ImportCreate,
    QualityTestCreate,
    ReceiveCreate,
)
from traceability.production.models import Harvest

PROCESSOR = "ck_demo_processor"
ORGANIC_FARM = "hung-2"
# Transit losses (share of mass) of successive deliveries; the one above 2 % is flagged to regulators.
TRANSIT_LOSSES = [Decimal(x) for x in ("0.004", "0.009", "0.006", "0.012", "0.003", "0.007", "0.005")]
FLAGGED_DELIVERY, FLAGGED_LOSS = 9, Decimal("0.024")
CONTAINER = "MSCU4829172"
IMPORT_KG = Decimal("25800")
IMPORT_INTO_BATCH_KG = Decimal("12000")
# Kernel grades of a typical factory run (DOMAIN.md: wholes 70–80 %, mostly W320 and W240).
KERNEL_SPLIT = {
    "W240": Decimal("0.25"),
    "W320": Decimal("0.45"),
    "WS": Decimal("0.12"),
    "LP": Decimal("0.10"),
    "SP": Decimal("0.08"),
}
KERNEL_RATIO = Decimal("0.235")  # below the tested recovery: drying, peeling and rejects
SHELL_RATIO, TESTA_RATIO = Decimal("0.70"), Decimal("0.025")
VIETNAM = timezone(timedelta(hours=7))


class Story(Protocol):
    session: Session
    parties: dict[str, Party]
    harvests: dict[str, list[Harvest]]
    lots: dict[str, Any]

    def at(self, moment: datetime, action: Callable[[], None]) -> None: ...


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), VIETNAM).astimezone(UTC)


def _doc(text: str) -> Document:
    return Document(type=text.split(":")[0], sha256=sha256(text.encode()).hexdigest())


def _deliver(story: Story, farm_code: str, owner: str, to: str = PROCESSOR, pending: str = "pending") -> None:
    processor = story.parties[to]
    for harvest in story.harvests[farm_code]:
        lot = story.session.get(Lot, harvest.lot_id)
        assert lot is not None
        transfer, _ = custody.dispatch(
            story.session,
            sender=story.parties[owner],
            lot_id=lot.lot_id,
            dispatch_in=DispatchCreate(to_party_id=processor.id, quantity_kg=Decimal(lot.quantity_g) / 1000),
        )
        story.lots.setdefault(pending, []).append((farm_code, transfer.id, transfer.quantity_g))


def _receive_all(story: Story) -> None:
    processor = story.parties[PROCESSOR]
    for k, (farm_code, transfer_id, sent_g) in enumerate(story.lots.pop("pending", [])):
        loss = FLAGGED_LOSS if k == FLAGGED_DELIVERY else TRANSIT_LOSSES[k % len(TRANSIT_LOSSES)]
        received = (Decimal(sent_g) / 1000 * (1 - loss)).quantize(Decimal("0.1"))
        transfer, _ = custody.receive(
            story.session, recipient=processor, transfer_id=transfer_id, receive_in=ReceiveCreate(received_kg=received)
        )
        story.lots.setdefault("received", {}).setdefault(farm_code, []).append(transfer.lot_id)


# The Ivorian exporter's own EPCIS event for the container, sent to the processor, who captures it
# (SPEC §9.1) and names it on the import: the nuts' story before Vietnam, anchored here too.
EXPORTER_EVENT_ID = "urn:uuid:5e1c2f0a-8b7d-4c3e-9a61-2026055180ab"


def _exporter_event(processor: Party, base_url: str, shipped: date) -> dict[str, Any]:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": f"{shipped.isoformat()}T10:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventID": EXPORTER_EVENT_ID,
                    "eventTime": f"{shipped.isoformat()}T09:30:00.000Z",
                    "eventTimeZoneOffset": "+00:00",
                    "epcList": [],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "quantityList": [
                        {
                            "epcClass": "urn:epc:class:lgtin:6180000.00001.SIC26-0388",
                            "quantity": int(IMPORT_KG),
                            "uom": "KGM",
                        }
                    ],
                    "bizLocation": {"id": "urn:epc:id:sgln:6180000.00001.0"},
                    "bizTransactionList": [
                        {"type": "bol", "bizTransaction": "urn:epcglobal:cbv:bt:6180000000013:MEDU-ABJ-HCM-2026-05518"}
                    ],
                    "destinationList": [
                        {"type": "owning_party", "destination": f"{base_url.rstrip('/')}/party/{processor.id}"}
                    ],
                }
            ]
        },
    }


def _import(story: Story, day: date, base_url: str) -> None:
    processor = story.parties[PROCESSOR]
    shipped = _exporter_event(processor, base_url, day - timedelta(days=32))
    capture(story.session, party=processor, body=shipped, behaviour="rollback", base_url=base_url)
    record = imports.record_import(
        story.session,
        importer=story.parties[PROCESSOR],
        import_in=ImportCreate(
            quantity_kg=IMPORT_KG,
            origin_country="CI",
            supplier="Société Ivoirienne de Cajou (SIC), Abidjan",
            container_no=CONTAINER,
            arrived_on=day,
            documents=[
                _doc("bill_of_lading:MEDU-ABJ-HCM-2026-05518"),
                _doc("certificate_of_origin:CI-2026-CCI-004417"),
                _doc("phytosanitary_certificate:CI-PHYTO-2026-11820"),
                _doc("invoice:SIC-2026-0388"),
            ],
            epcis_event_id=EXPORTER_EVENT_ID,
        ),
    )
    story.lots["import"] = record.lot_id


def _test(
    story: Story, lot_id: str, good: str, spotted: str, nuts: int, moisture: str, day: date, party: str = PROCESSOR
) -> None:
    quality.record_quality_test(
        story.session,
        party=story.parties[party],
        lot_id=lot_id,
        test_in=QualityTestCreate(
            sample_g=Decimal(1000),
            nut_count=nuts,
            good_kernel_g=Decimal(good),
            spotted_kernel_g=Decimal(spotted),
            reject_kernel_g=Decimal(12),
            moisture_pct=Decimal(moisture),
            tested_on=day,
        ),
    )


def _cutting_tests(story: Story, day: date) -> None:
    """One test per farm's first delivery (Bình Phước nuts: 50–55 lbs, 160–200 nuts/kg) and the import (~47 lbs)."""
    for n, (_farm_code, lots) in enumerate(sorted(story.lots["received"].items())):
        _test(story, lots[0], str(292 + 3 * (n % 4)), "10", 172 + 4 * n, "8.6", day)
    _test(story, story.lots["import"], "262", "14", 196, "9.4", day)


def record_run(
    story: Story,
    party: str,
    inputs: list[tuple[str, Decimal]],
    day: date,
    *,
    kernel_ratio: Decimal = KERNEL_RATIO,
    shell_ratio: Decimal = SHELL_RATIO,
) -> Any:
    """One factory run: ``kernel_ratio`` of the raw nuts as kernel in the usual grades, shell and testa."""
    raw = sum(q for _, q in inputs)
    kernel = raw * kernel_ratio
    outputs = [
        BatchOutput(product="kernel", grade=g, quantity_kg=(kernel * share).quantize(Decimal("0.001")))
        for g, share in KERNEL_SPLIT.items()
    ]
    outputs += [
        BatchOutput(product="shell", quantity_kg=(raw * shell_ratio).quantize(Decimal("0.001"))),
        BatchOutput(product="testa", quantity_kg=(raw * TESTA_RATIO).quantize(Decimal("0.001"))),
    ]
    made, _, _ = batches.record_batch(
        story.session,
        processor=story.parties[party],
        batch_in=BatchCreate(
            inputs=[BatchInput(lot_id=lot_id, quantity_kg=q) for lot_id, q in inputs], outputs=outputs, processed_on=day
        ),
    )
    return made


def _batch(story: Story, inputs: list[tuple[str, Decimal]], day: date) -> None:
    made = record_run(story, PROCESSOR, inputs, day)
    story.lots.setdefault("kernels", []).extend(o["lot_id"] for o in made.outputs if o["product"] == "kernel")


def _held(story: Story, lot_id: str) -> Decimal:
    lot = story.session.get(Lot, lot_id)
    assert lot is not None
    return Decimal(lot.quantity_g) / 1000


def _organic_batch(story: Story, day: date) -> None:
    _batch(story, [(lot_id, _held(story, lot_id)) for lot_id in story.lots["received"][ORGANIC_FARM]], day)


def _mixed_batch(story: Story, day: date) -> None:
    domestic = [
        (lot_id, _held(story, lot_id))
        for code, lots in sorted(story.lots["received"].items())
        if code != ORGANIC_FARM
        for lot_id in lots
    ]
    _batch(story, domestic + [(story.lots["import"], IMPORT_INTO_BATCH_KG)], day)


def _print_labels(story: Story, base_url: str) -> None:
    """The packing line prints a carton label for every kernel lot (their first printing: a `label` entry each)."""
    labels_data(story.session, party=story.parties[PROCESSOR], lot_ids=story.lots["kernels"], base_url=base_url)


TRADER = "ck_demo_trader"
EXPORT_CONTAINER = "TGHU9053122"
EXPORT_CARTONS = 100  # 50 lb cartons of each grade sent on to the trader (2,268 kg)


# Mid-2024 FOB prices per lb (DOMAIN.md, Trade): W240 3.05–3.35, W320 2.80–3.15.
LIST_PRICES = {"W240": "3.25", "W320": "3.05"}
OFFER_PRICES = {"W240": "3.18", "W320": "2.98"}


def _sell_to_trader(story: Story) -> None:
    """On the exchange: the processor lists cartons of the mixed batch's W240 and W320 FOB Hồ Chí Minh City,
    the trader offers a little under, the processor accepts (a contract, and the cartons dispatched), and
    the trader weighs them in."""
    from traceability.lots.models import Lot as LotRow
    from traceability.trade import exchange
    from traceability.trade.schemas import ListingCreate, OfferCreate

    processor, trader = story.parties[PROCESSOR], story.parties[TRADER]
    quantity = EXPORT_CARTONS * Decimal("22.68")
    bought = []
    for lot_id in story.lots["kernels"][5:7]:  # the mixed batch's W240 and W320
        grade = story.session.get_one(LotRow, lot_id).grade
        assert grade is not None, lot_id  # a batch's kernel lots are graded
        listing = exchange.create_listing(
            story.session,
            seller=processor,
            listing_in=ListingCreate(
                lot_id=lot_id,
                quantity_kg=quantity,
                price=LIST_PRICES[grade],
                currency="USD",
                unit="lb",
                incoterm="FOB",
                port="VNSGN",
            ),
        )
        offer = exchange.make_offer(
            story.session,
            buyer=trader,
            listing_id=listing.id,
            offer_in=OfferCreate(quantity_kg=quantity, price=OFFER_PRICES[grade]),
        )
        _, transfer = exchange.accept(story.session, seller=processor, offer_id=offer.id)
        bought.append(transfer)
    for transfer in bought:
        custody.receive(
            story.session,
            recipient=trader,
            transfer_id=transfer.id,
            receive_in=ReceiveCreate(received_kg=Decimal(transfer.quantity_g) / 1000),
        )
    story.lots["exported"] = [t.lot_id for t in bought]


def _ship(story: Story, day: date) -> None:
    """The trader ships the cartons from Cát Lái to Rotterdam."""
    from traceability.trade.schemas import ShipmentCreate
    from traceability.trade.shipments import record_shipment

    record_shipment(
        story.session,
        shipper=story.parties[TRADER],
        shipment_in=ShipmentCreate(
            lot_ids=story.lots["exported"],
            container_no=EXPORT_CONTAINER,
            port_of_loading="VNCLI",
            destination_country="NL",
            shipped_on=day,
            documents=[
                _doc("bill_of_lading:ONEY-CLI-RTM-2026-22871"),
                _doc("certificate_of_origin:VCCI-HCM-2026-118204"),
                _doc("fumigation_certificate:VFC-2026-06-4471"),
                _doc("aflatoxin_test:QUATEST3-2026-7729"),
            ],
        ),
    )


def schedule_processing(story: Story, farms: list[tuple[str, str]], base_url: str) -> None:
    """Add the processing chapter to the story; ``farms`` are (farm code, owner key) pairs and
    ``base_url`` the public base of the labels' Digital Link URIs."""
    for n, (code, owner) in enumerate(farms):
        story.at(_local(date(2026, 6, 2), 7) + timedelta(minutes=20 * n), partial(_deliver, story, code, owner))
    story.at(_local(date(2026, 6, 3), 9), partial(_receive_all, story))
    story.at(_local(date(2026, 6, 4), 10), partial(_import, story, date(2026, 6, 4), base_url))
    story.at(_local(date(2026, 6, 5), 14), partial(_cutting_tests, story, date(2026, 6, 5)))
    story.at(_local(date(2026, 6, 8), 15), partial(_organic_batch, story, date(2026, 6, 8)))
    story.at(_local(date(2026, 6, 10), 15), partial(_mixed_batch, story, date(2026, 6, 10)))
    story.at(_local(date(2026, 6, 11), 8), partial(_print_labels, story, base_url))
    story.at(_local(date(2026, 6, 15), 9), partial(_sell_to_trader, story))
    story.at(_local(date(2026, 6, 20), 10), partial(_ship, story, date(2026, 6, 20)))
