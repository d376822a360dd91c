"""The factory side of a season: containers of imported nuts, factory runs with their carton
labels, kernel sold to exporters on the exchange, and containers of kernel leaving Vietnam."""

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from sqlmodel import Session

from traceability.labels.service import labels_data
from traceability.parties.models import Party
from traceability.processing import batches, imports
from traceability.processing.schemas import BatchCreate, BatchInput, BatchOutput, ImportCreate
from traceability.trade import exchange
from traceability.trade.schemas import ListingCreate, OfferCreate, ShipmentCreate
from traceability.trade.shipments import record_shipment

from . import data, draws
from .actors import Delivery, Event, HeldLot, Processor, StoryState, document, kg, local
from .plan import Container, container_no

FINAL_RUN_G = 5_000_000  # in the last fortnight factories run what they hold (from 5 t)
FINAL_DAYS = 14


class FactoryChapter(StoryState):
    def import_container(self, container: Container, day: date, session: Session) -> None:
        processor = self.processors[container.processor]
        ref = f"{container.container_no}-{day.isoformat()}"
        import_in = ImportCreate(
            quantity_kg=kg(container.grams),
            origin_country=container.country,
            supplier=container.supplier,
            container_no=container.container_no,
            arrived_on=day,
            documents=[
                document(kind, ref)
                for kind in ("invoice", "bill_of_lading", "certificate_of_origin", "phytosanitary_certificate")
            ],
        )
        record = imports.record_import(session, importer=processor.party, import_in=import_in)
        lot = HeldLot(record.lot_id, container.grams, container.outturn_lbs, container.nuts_per_kg)
        processor.stock.append(lot)
        self.answers.imported = (processor.party, lot)  # its sample is cut on arrival

    # -- runs ---------------------------------------------------------------------------------------
    def runs(self, day: date) -> Iterator[Event]:
        if day < date(self.plan.season, *data.PROCESSING_START):
            return
        final = day > self.plan.end - timedelta(days=FINAL_DAYS)
        for processor in self.processors:
            target = min(processor.batch_g, FINAL_RUN_G) if final else processor.batch_g
            if processor.runs_on(day) and processor.stock and processor.stock_g >= target:
                yield Event(local(day, 10), "batches", partial(self.run, processor, target, day))
                yield Event(local(day, 11), "labels", partial(self.label, processor, day))

    def run(self, processor: Processor, target_g: int, day: date, session: Session) -> None:
        """Raw nuts in, first come first served; kernel at 0.85–0.95 of their recovery, by grade; shell, testa."""
        taken: list[HeldLot] = []
        while processor.stock and sum(lot.grams for lot in taken) < target_g and len(taken) < data.BATCH_MAX_INPUTS:
            taken.append(processor.stock.pop(0))
        raw_g = sum(lot.grams for lot in taken)
        recovery = sum(lot.grams * draws.recovery(lot.outturn_lbs) for lot in taken) / raw_g
        low, high = data.KERNEL_RATIO_BOUNDS
        kernel_g = int(raw_g * min(high, max(low, recovery * self.rng.uniform(*data.FACTORY_FACTOR))))
        testa_g = int(raw_g * self.rng.uniform(*data.TESTA_SHARE))
        loss_g = int(raw_g * self.rng.uniform(*data.MOISTURE_LOSS))
        outputs = [
            BatchOutput(product="kernel", grade=grade, quantity_kg=kg(grams))
            for grade, grams in draws.kernel_split(self.rng, kernel_g).items()
            if grams
        ]
        outputs += [
            BatchOutput(product="shell", quantity_kg=kg(raw_g - kernel_g - testa_g - loss_g)),
            BatchOutput(product="testa", quantity_kg=kg(testa_g)),
        ]
        batch_in = BatchCreate(
            inputs=[BatchInput(lot_id=lot.lot_id, quantity_kg=kg(lot.grams)) for lot in taken],
            outputs=outputs,
            loss_kg=kg(loss_g),
            processed_on=day,
        )
        made, _, _ = batches.record_batch(session, processor=processor.party, batch_in=batch_in)
        outturn = sum(lot.grams * lot.outturn_lbs for lot in taken) / raw_g
        count = round(sum(lot.grams * lot.nuts_per_kg for lot in taken) / raw_g)
        self.answers.kernels = [
            HeldLot(o["lot_id"], o["quantity_g"], outturn, count, o["grade"])
            for o in made.outputs
            if o["product"] == "kernel"
        ]

    def label(self, processor: Processor, day: date, session: Session) -> None:
        """Cartons of every kernel lot are labelled at packing; then the kernel is sold or shipped."""
        kernels = self.answers.kernels
        labels_data(session, party=processor.party, lot_ids=[k.lot_id for k in kernels], base_url=self.base_url)
        sold: list[HeldLot] = []
        if self.exporters and self.rng.random() < data.TRADED_SHARE:
            sold = [k for k in kernels if k.grade in data.FOB_USD_PER_LB]
            self.trades[day + timedelta(days=2)].append((processor, self.rng.choice(self.exporters), sold))
        self._ship_later(processor.party, [k for k in kernels if k not in sold], day)

    def _ship_later(self, shipper: Party, lots: list[HeldLot], day: date) -> None:
        containers: list[list[HeldLot]] = []
        for lot in lots:  # first fit, in the order the grades came out
            box = next((c for c in containers if sum(x.grams for x in c) + lot.grams <= data.CONTAINER_KERNEL_G), None)
            if box is None:
                containers.append(box := [])
            box.append(lot)
        for box in containers:
            leaves = day + timedelta(days=self.rng.randint(*data.SHIP_AFTER_DAYS))
            if leaves <= self.plan.end:
                self.departures[leaves].append((shipper, box))

    # -- the exchange -------------------------------------------------------------------------------
    def trade(self, day: date, seller: Processor, buyer: Party, lots: list[HeldLot]) -> Iterator[Event]:
        """Each lot listed FOB Hồ Chí Minh City, an exporter offers a little under, the factory accepts."""
        for lot in lots:
            assert lot.grade is not None
            price = Decimal(f"{self.rng.uniform(*data.FOB_USD_PER_LB[lot.grade]):.2f}")
            bid = (price * Decimal(1 - self.rng.uniform(0.005, 0.03))).quantize(Decimal("0.01"))
            yield Event(local(day, 13), "listings", partial(self.list_lot, seller, lot, price))
            yield Event(local(day, 13), "offers", partial(self.offer, buyer, lot, bid))
            yield Event(local(day, 13), "contracts", partial(self.accept, seller, buyer, lot, day))
        self._ship_later(buyer, lots, day + timedelta(days=1))

    def list_lot(self, seller: Processor, lot: HeldLot, price: Decimal, session: Session) -> None:
        listing_in = ListingCreate(
            lot_id=lot.lot_id,
            quantity_kg=kg(lot.grams),
            price=str(price),
            currency="USD",
            unit="lb",
            incoterm="FOB",
            port="VNSGN",
        )
        self.answers.listing_id = exchange.create_listing(session, seller=seller.party, listing_in=listing_in).id

    def offer(self, buyer: Party, lot: HeldLot, price: Decimal, session: Session) -> None:
        offer_in = OfferCreate(quantity_kg=kg(lot.grams), price=str(price))
        self.answers.offer_id = exchange.make_offer(
            session, buyer=buyer, listing_id=self.answers.listing_id, offer_in=offer_in
        ).id

    def accept(self, seller: Processor, buyer: Party, lot: HeldLot, day: date, session: Session) -> None:
        _, transfer = exchange.accept(session, seller=seller.party, offer_id=self.answers.offer_id)
        self.weigh_ins[day + timedelta(days=1)].append(Delivery(buyer, transfer.id, lot, 0.0))

    # -- exports ------------------------------------------------------------------------------------
    def ship(self, shipper: Party, lots: list[HeldLot], day: date, session: Session) -> None:
        destination = draws.weighted(self.rng, data.DESTINATIONS)
        number = container_no(self.rng)
        kinds = ["invoice", "packing_list", "bill_of_lading", "certificate_of_origin", "fumigation_certificate"]
        kinds += ["aflatoxin_test"] if destination in data.EU else []
        kinds += ["phytosanitary_certificate"] if destination in data.PHYTOSANITARY else []
        shipment_in = ShipmentCreate(
            lot_ids=[lot.lot_id for lot in lots],
            container_no=number,
            port_of_loading=draws.weighted(self.rng, data.PORTS),
            destination_country=destination,
            shipped_on=day,
            documents=[document(kind, f"{number}-{day.isoformat()}") for kind in kinds],
        )
        record_shipment(session, shipper=shipper, shipment_in=shipment_in)
