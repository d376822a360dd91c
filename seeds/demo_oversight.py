"""The demo's oversight chapter (June 2026): what regulators are there to catch, and what they do.

The Lộc Ninh processor buys Tâm's nuts — low-outturn nuts from a farm whose yield is
already flagged and whose VietGAP certificate has lapsed — and blends them with
Ghanaian nuts of much higher outturn. The kernel carries its inputs' origin by mass,
so the labels call 44 % of it Vietnamese: more than Tâm's nuts can give at their
tested outturn (``origin_claim_exceeds_input``). A Cambodian lot run on its own
yields above the usual band (``batch_yield_high``). Cartons go to the United States
and China. The department then inspects both factories and notes what it found on
an alert. Last, a retained sample of one of Tâm's raw-nut lots fails an aflatoxin
test after the lot was processed: the department recalls it, and with it every
kernel, shell and testa lot of the blend, the cartons already on their way to the
United States among them. (The ``ledger_integrity`` alert comes from the audit ``load_demo`` runs
after altering one record behind the application's back.)
"""

from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from traceability.alerts.models import Alert, AlertKind
from traceability.labels.service import labels_data
from traceability.oversight.models import InspectionResult
from traceability.oversight.recalls import record_recall
from traceability.oversight.schemas import AcknowledgementCreate, InspectionCreate, RecallCreate
from traceability.oversight.service import acknowledge, record_inspection
from traceability.processing import custody, imports
from traceability.processing.schemas import ImportCreate, ReceiveCreate

from .demo_processing import (
    PROCESSOR,
    SHELL_RATIO,
    Story,
    _deliver,
    _doc,
    _held,
    _local,
    _test,
    record_run,
)

LOC_NINH = "ck_demo_processor_ln"
REGULATOR = "ck_demo_regulator"
TAM_FARMS = ("tam-1", "tam-2")
TRANSIT_LOSS = Decimal("0.006")
# Two containers: Ghanaian nuts for the blend, Cambodian nuts run on their own.
IMPORTS = {
    "GH": ("OOLU8831040", Decimal("10000"), "Ghana Cashew Traders Ltd, Tema"),
    "KH": ("CMAU6122084", Decimal("4000"), "Kampong Thom Cashew Co., Phnom Penh"),
}
BLEND_KERNEL_RATIO = Decimal("0.275")  # within 21–29 %: the batch alone looks ordinary
CAMBODIAN_KERNEL_RATIO = Decimal("0.296")  # above 29 %: flagged, below the tested 30.4 % + tolerance
EXPORTS = {
    "US": ("MSKU7045194", "VNCLI", ["W320", "W240"], "blend"),
    "CN": ("SEGU5302194", "VNCLI", ["W320"], "cambodian"),
}


def _receive(story: Story) -> None:
    processor = story.parties[LOC_NINH]
    for _farm_code, transfer_id, sent_g in story.lots.pop("ln_pending", []):
        received = (Decimal(sent_g) / 1000 * (1 - TRANSIT_LOSS)).quantize(Decimal("0.1"))
        transfer, _ = custody.receive(
            story.session, recipient=processor, transfer_id=transfer_id, receive_in=ReceiveCreate(received_kg=received)
        )
        story.lots.setdefault("ln_received", []).append(transfer.lot_id)


def _import(story: Story, day: date) -> None:
    for country, (container, quantity, supplier) in IMPORTS.items():
        record = imports.record_import(
            story.session,
            importer=story.parties[LOC_NINH],
            import_in=ImportCreate(
                quantity_kg=quantity,
                origin_country=country,
                supplier=supplier,
                container_no=container,
                arrived_on=day,
                documents=[
                    _doc(f"bill_of_lading:{container}-2026"),
                    _doc(f"certificate_of_origin:{country}-2026-{container}"),
                    _doc(f"phytosanitary_certificate:{country}-PHYTO-{container}"),
                ],
            ),
        )
        story.lots[f"ln_import_{country}"] = record.lot_id


def _cutting_tests(story: Story, day: date) -> None:
    """Tâm's nuts: about 41 lbs (picked early, wet season); Ghana 53 lbs, Cambodia 53.6 lbs."""
    for lot_id in story.lots["ln_received"]:
        _test(story, lot_id, "228", "10", 214, "9.8", day, party=LOC_NINH)
    _test(story, story.lots["ln_import_GH"], "296", "10", 176, "8.9", day, party=LOC_NINH)
    _test(story, story.lots["ln_import_KH"], "300", "8", 168, "8.7", day, party=LOC_NINH)


def _run(story: Story, name: str, inputs: list[tuple[str, Decimal]], ratio: Decimal, day: date) -> None:
    made = record_run(story, LOC_NINH, inputs, day, kernel_ratio=ratio, shell_ratio=SHELL_RATIO - Decimal("0.03"))
    story.lots[f"ln_{name}"] = {o["grade"]: o["lot_id"] for o in made.outputs if o["product"] == "kernel"}


def _blend(story: Story, day: date) -> None:
    domestic = [(lot_id, _held(story, lot_id)) for lot_id in story.lots["ln_received"]]
    ghana = story.lots["ln_import_GH"]
    _run(story, "blend", domestic + [(ghana, _held(story, ghana))], BLEND_KERNEL_RATIO, day)


def _cambodian(story: Story, day: date) -> None:
    lot_id = story.lots["ln_import_KH"]
    _run(story, "cambodian", [(lot_id, _held(story, lot_id))], CAMBODIAN_KERNEL_RATIO, day)


def _print_labels(story: Story, base_url: str) -> None:
    """Labels for every kernel lot: the blend's say "Vietnam 44 %, Ghana 56 %" — and the alert is raised."""
    lot_ids = [*story.lots["ln_blend"].values(), *story.lots["ln_cambodian"].values()]
    labels_data(story.session, party=story.parties[LOC_NINH], lot_ids=lot_ids, base_url=base_url)


def _ship(story: Story, day: date) -> None:
    from traceability.trade.schemas import ShipmentCreate
    from traceability.trade.shipments import record_shipment

    for country, (container, port, grades, run) in EXPORTS.items():
        record_shipment(
            story.session,
            shipper=story.parties[LOC_NINH],
            shipment_in=ShipmentCreate(
                lot_ids=[story.lots[f"ln_{run}"][g] for g in grades],
                container_no=container,
                port_of_loading=port,
                destination_country=country,
                shipped_on=day,
                documents=[
                    _doc(f"bill_of_lading:{container}-{country}"),
                    _doc(f"certificate_of_origin:VCCI-{container}"),
                ],
            ),
        )


INSPECTIONS = [
    (
        LOC_NINH,
        "conditional",
        "Kiểm tra sau cảnh báo xuất xứ: nhãn ghi 44% Việt Nam trong khi nguyên liệu trong nước "
        "(outturn 41 lbs) chỉ cho khoảng 1,8 tấn nhân. Yêu cầu ghi nhãn theo tỷ lệ thu hồi thực "
        "tế và nộp lại hồ sơ lô trong 30 ngày.",
    ),
    (
        PROCESSOR,
        "pass",
        "Sổ nhập nguyên liệu, biên bản cân và kết quả cắt hạt khớp với hệ thống; kho sạch, "
        "phân loại nhân đúng TCVN 4850.",
    ),
]


def _inspect(story: Story, day: date) -> None:
    regulator = story.parties[REGULATOR]
    for party_key, result, findings in INSPECTIONS:
        record_inspection(
            story.session,
            regulator=regulator,
            inspection_in=InspectionCreate(
                party_id=story.parties[party_key].id,
                inspected_on=day,
                result=InspectionResult(result),
                findings=findings,
            ),
        )


def _acknowledge_transit_loss(story: Story) -> None:
    from sqlalchemy import select
    from sqlmodel import col

    alert = story.session.scalars(select(Alert).where(col(Alert.kind) == AlertKind.transit_loss.value)).first()
    assert alert is not None and alert.id is not None
    acknowledge(
        story.session,
        regulator=story.parties[REGULATOR],
        alert_id=alert.id,
        ack_in=AcknowledgementCreate(
            note="Đã gọi nhà máy: bao bị rách khi bốc xếp, có biên bản giao nhận; hao hụt 2,4% được giải trình."
        ),
    )


RECALL_REASON = (
    "Mẫu lưu của lô hạt điều thô nhiễm aflatoxin B1 12 µg/kg (giới hạn 5 µg/kg), phát hiện sau khi lô đã "
    "được chế biến; thu hồi lô và mọi sản phẩm làm từ lô."
)


def _recall(story: Story) -> None:
    """The department recalls Tâm's first delivery to Lộc Ninh, processed into the blend a fortnight before."""
    record_recall(
        story.session,
        party=story.parties[REGULATOR],
        recall_in=RecallCreate(lot_id=story.lots["ln_received"][0], reason=RECALL_REASON),
    )


def schedule_oversight(story: Story, base_url: str) -> None:
    """Add the oversight chapter; Tâm's farms must already be in the story."""
    for n, code in enumerate(TAM_FARMS):
        story.at(
            _local(date(2026, 6, 6), 7) + timedelta(minutes=20 * n),
            partial(_deliver, story, code, "ck_demo_farmer_tam", LOC_NINH, "ln_pending"),
        )
    story.at(_local(date(2026, 6, 6), 16), partial(_receive, story))
    story.at(_local(date(2026, 6, 5), 10), partial(_import, story, date(2026, 6, 5)))
    story.at(_local(date(2026, 6, 8), 9), partial(_cutting_tests, story, date(2026, 6, 8)))
    story.at(_local(date(2026, 6, 12), 15), partial(_blend, story, date(2026, 6, 12)))
    story.at(_local(date(2026, 6, 13), 15), partial(_cambodian, story, date(2026, 6, 13)))
    story.at(_local(date(2026, 6, 16), 8), partial(_print_labels, story, base_url))
    story.at(_local(date(2026, 6, 22), 10), partial(_ship, story, date(2026, 6, 22)))
    story.at(_local(date(2026, 6, 23), 9), partial(_acknowledge_transit_loss, story))
    story.at(_local(date(2026, 6, 25), 14), partial(_inspect, story, date(2026, 6, 25)))
    story.at(_local(date(2026, 6, 27), 10), partial(_recall, story))
