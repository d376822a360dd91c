"""The farm side of a season: the parties, the farms with their plots and certificates, the
pickings, the farm-gate sales, the collectors' trucks and the factories' weigh-ins and tests."""

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from traceability.parties.models import Party, Role
from traceability.parties.schemas import PartyCreate
from traceability.parties.service import create_party
from traceability.places import DISTRICTS
from traceability.processing import custody, quality
from traceability.processing.schemas import DispatchCreate, QualityTestCreate, ReceiveCreate
from traceability.production.harvests import record_harvest
from traceability.production.schemas import CertificationIn, FarmCreate, HarvestCreate, Scheme
from traceability.production.service import record_farm

from . import data, draws
from .actors import (
    Collector,
    Delivery,
    HeldLot,
    Household,
    Processor,
    StoryState,
    batch_target_g,
    kg,
    processor_weights,
)

REGULATOR = "Sở Nông nghiệp và Môi trường Đồng Nai"


class FarmChapter(StoryState):
    # -- parties ----------------------------------------------------------------------------------
    def register_companies(self, session: Session) -> None:
        """The department, the factories (each with a GS1 company prefix), the collectors and exporters."""
        plan, rng = self.plan, self.rng
        self.regulator = self._party(session, REGULATOR, Role.regulator, None)
        for n, weight in enumerate(processor_weights(rng, plan.processors)):
            district = draws.weighted(rng, data.PROCESSOR_DISTRICT_WEIGHTS)
            name = f"Công ty Chế biến Hạt điều {DISTRICTS[district].name} {n + 1:03d}"
            party = self._party(
                session, name, Role.processor, district, prefix=f"893{6000 + n:04d}"
            )  # see MAX_PROCESSORS
            self.processors.append(Processor(party, n, district, weight))
        exporters = min(plan.traders - 1, max(1, round(plan.traders * data.EXPORTER_SHARE)))
        for n in range(plan.traders - exporters):
            district = draws.weighted(rng, data.DISTRICT_WEIGHTS)
            name = f"Đại lý Thu mua Điều {DISTRICTS[district].name} {n + 1:03d}"
            self.collectors.append(Collector(self._party(session, name, Role.trader, district), n, district))
        for n in range(exporters):
            name = f"Công ty Xuất nhập khẩu Điều {n + 1:03d}"
            self.exporters.append(self._party(session, name, Role.trader, "chon-thanh"))
        season_days = (plan.end - date(plan.season, *data.PROCESSING_START)).days
        for p in self.processors:
            p.batch_g = batch_target_g(plan.domestic_g + plan.imported_g, p.weight, season_days)
        plan.schedule_imports([p.weight for p in self.processors])

    def _party(self, session: Session, name: str, role: Role, district: str | None, prefix: str | None = None) -> Party:
        party_in = PartyCreate(name=name, role=role, district=district, gs1_company_prefix=prefix)
        party, key = create_party(session, party_in=party_in)
        if role == Role.regulator:
            self.answers.regulator_key = key  # printed once, so that the season can be read through the API
        self.tally["parties"] += 1
        return party

    # -- farms -------------------------------------------------------------------------------------
    def register_farm(self, farm: draws.FarmPlan, session: Session) -> None:
        household = self.households.get(farm.household)
        if household is None:
            party = self._party(session, draws.person_name(self.rng), Role.farmer, farm.district)
            if self.collectors and self.rng.random() < data.VIA_COLLECTOR_SHARE:
                household = Household(party, farm.district, self.pick_collector(farm.district), None)
            else:
                household = Household(party, farm.district, None, self.pick_processor(farm.district))
            self.households[farm.household] = household
        certificates = [
            CertificationIn(
                scheme=Scheme(c.scheme), certificate_no=c.certificate_no, valid_from=c.valid_from, valid_to=c.valid_to
            )
            for c in farm.certificates
        ]
        farm_in = FarmCreate(
            name=f"Vườn điều {farm.commune} {farm.number}",
            district=farm.district,
            commune=farm.commune,
            area_ha=farm.area_ha,
            geometry=self.plan.plots.geometry(farm.district, farm.area_ha),
            planted_year=farm.planted_year,
            variety=farm.variety,
            certifications=certificates,
        )
        record, _ = record_farm(session, farmer=household.party, farm_in=farm_in)
        self.plan.farm_ids[farm.number] = record.id
        self.tally["certificates"] += len(certificates)

    def harvest(self, farm: draws.FarmPlan, picking: draws.Picking, session: Session) -> None:
        household = self.households[farm.household]
        harvest_in = HarvestCreate(
            farm_id=self.plan.farm_ids[farm.number],
            harvested_on=picking.day,
            quantity_kg=kg(picking.quantity_g),
            moisture_pct=picking.moisture_pct,
        )
        harvest, _, _ = record_harvest(session, farmer=household.party, harvest_in=harvest_in)
        sold_on = picking.day + timedelta(days=self.rng.randint(*data.SALE_DELAY_DAYS))
        if sold_on <= self.plan.end:
            lot = HeldLot(harvest.lot_id, picking.quantity_g, farm.outturn_lbs, farm.nuts_per_kg)
            self.sales[sold_on].append((household, lot))

    # -- custody -----------------------------------------------------------------------------------
    def _dispatch(self, session: Session, sender: Party, lot: HeldLot, to: Party) -> str:
        dispatch_in = DispatchCreate(to_party_id=to.id, quantity_kg=kg(lot.grams))
        transfer, _ = custody.dispatch(session, sender=sender, lot_id=lot.lot_id, dispatch_in=dispatch_in)
        self.answers.transfer_id = transfer.id
        return transfer.id

    def _receive(self, session: Session, recipient: Party, transfer_id: str, sent_g: int, loss: float) -> int:
        received_g = max(1, round(sent_g * (1 - loss)))
        receive_in = ReceiveCreate(received_kg=kg(received_g))
        custody.receive(session, recipient=recipient, transfer_id=transfer_id, receive_in=receive_in)
        return received_g

    def sell(self, household: Household, lot: HeldLot, day: date, session: Session) -> None:
        """At the farm gate: to the household's collector (weighed in at once) or its factory (tomorrow)."""
        if household.collector is not None:
            self._dispatch(session, household.party, lot, household.collector.party)
            return
        assert household.processor is not None
        transfer_id = self._dispatch(session, household.party, lot, household.processor.party)
        tested = self.rng.random() < data.TESTED_DIRECT_SHARE
        loss = self.rng.uniform(*data.FARM_GATE_LOSS)
        delivery = Delivery(household.processor.party, transfer_id, lot, loss, tested, household.processor)
        self.weigh_ins[day + timedelta(days=1)].append(delivery)

    def bought_at_farm_gate(self, household: Household, lot: HeldLot, session: Session) -> None:
        collector = household.collector
        assert collector is not None
        loss = self.rng.uniform(*data.FARM_GATE_LOSS)
        received = self._receive(session, collector.party, self.answers.transfer_id, lot.grams, loss)
        collector.stock.append(HeldLot(lot.lot_id, received, lot.outturn_lbs, lot.nuts_per_kg))

    def truck(
        self, collector: Collector, processor: Processor, lot: HeldLot, first: bool, day: date, s: Session
    ) -> None:
        """One lot of a collector's truck to a factory; the factory cuts a sample of the truck's first lot."""
        transfer_id = self._dispatch(s, collector.party, lot, processor.party)
        flagged = self.rng.random() < data.TRUCK_LOSS_FLAGGED_SHARE
        loss = self.rng.uniform(*(data.TRUCK_LOSS_FLAGGED if flagged else data.TRUCK_LOSS))
        self.weigh_ins[day + timedelta(days=1)].append(
            Delivery(processor.party, transfer_id, lot, loss, first, processor)
        )

    def weigh_in(self, delivery: Delivery, day: date, session: Session) -> None:
        received = self._receive(session, delivery.recipient, delivery.transfer_id, delivery.lot.grams, delivery.loss)
        lot = HeldLot(
            delivery.lot.lot_id, received, delivery.lot.outturn_lbs, delivery.lot.nuts_per_kg, delivery.lot.grade
        )
        if delivery.processor is not None:
            delivery.processor.stock.append(lot)
        if delivery.test:
            self.tests[day].append((delivery.recipient, lot))

    def test_import(self, day: date, session: Session) -> None:
        assert self.answers.imported is not None
        self.cutting_test(*self.answers.imported, day, session)

    def cutting_test(self, party: Party, lot: HeldLot, day: date, session: Session) -> None:
        """A 1 kg sample: the nuts' outturn and count as they are, give or take the clerk's scale."""
        outturn = min(57.0, max(36.0, lot.outturn_lbs + self.rng.gauss(0, 0.3)))
        good, spotted, reject = draws.cutting_test_weights(outturn, self.rng)
        test_in = QualityTestCreate(
            sample_g=data.SAMPLE_G,
            nut_count=min(255, max(125, lot.nuts_per_kg + self.rng.randint(-4, 4))),
            good_kernel_g=good,
            spotted_kernel_g=spotted,
            reject_kernel_g=reject,
            moisture_pct=Decimal(self.rng.randint(78, 102)) / 10,
            tested_on=day,
        )
        quality.record_quality_test(session, party=party, lot_id=lot.lot_id, test_in=test_in)
