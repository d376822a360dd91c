"""A province season, day by day, as a stream of service calls (``Event``).

Each event is one call of a domain service at one moment: the same rules and the same
ledger entries as the API. The stream is lazy: what happens next depends on what the
last calls returned (a transfer to weigh in, the lots a factory now holds), so the runner
plays each event before the next is drawn. A day runs in a fixed order of hours:

07:00 weigh-ins of yesterday's deliveries, 08:00 cutting tests, 09:00 farms register and
containers arrive, 10:00 factory runs (11:00 their labels), 13:00 the exchange, 14:00
containers leave, 15:00 collectors' trucks, 16:00 farm-gate sales, 17:00 pickings.
"""

from collections.abc import Iterator
from datetime import date
from functools import partial

from .actors import Event, days, local
from .factories import FactoryChapter
from .farms import FarmChapter


class SeasonStory(FarmChapter, FactoryChapter):
    """The events of one season, with the parties and stocks they build up."""

    def events(self) -> Iterator[Event]:
        yield Event(local(self.plan.start, 8), "", self.register_companies)
        for day in days(self.plan.start, self.plan.end):
            yield from self._day(day)

    def _day(self, day: date) -> Iterator[Event]:
        for delivery in self.weigh_ins.pop(day, []):
            yield Event(local(day, 7), "receipts", partial(self.weigh_in, delivery, day))
        for party, lot in self.tests.pop(day, []):
            yield Event(local(day, 8), "cutting_tests", partial(self.cutting_test, party, lot, day))
        for farm in self.plan.registrations.pop(day, []):
            yield Event(local(day, 9), "farms", partial(self.register_farm, farm))
        for container in self.plan.arrivals.pop(day, []):
            yield Event(local(day, 9), "imports", partial(self.import_container, container, day))
            yield Event(local(day, 9), "cutting_tests", partial(self.test_import, day))
        yield from self.runs(day)
        for seller, buyer, lots in self.trades.pop(day, []):
            yield from self.trade(day, seller, buyer, lots)
        for shipper, lots in self.departures.pop(day, []):
            yield Event(local(day, 14), "shipments", partial(self.ship, shipper, lots, day))
        yield from self._trucks(day)
        for household, lot in self.sales.pop(day, []):
            yield Event(local(day, 16), "dispatches", partial(self.sell, household, lot, day))
            if household.collector is not None:
                yield Event(local(day, 16), "receipts", partial(self.bought_at_farm_gate, household, lot))
        for farm, picking in self.plan.pickings.pop(day, []):
            yield Event(local(day, 17), "harvests", partial(self.harvest, farm, picking))

    def _trucks(self, day: date) -> Iterator[Event]:
        """Every few days a collector sends what it bought to one factory, a lot at a time."""
        for collector in self.collectors:
            if not (collector.stock and collector.sends_on(day)):
                continue
            processor = self.pick_processor(collector.district)
            lots, collector.stock = collector.stock, []
            for n, lot in enumerate(lots):
                yield Event(local(day, 15), "dispatches", partial(self.truck, collector, processor, lot, n == 0, day))
