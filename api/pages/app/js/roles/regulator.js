// The regulator's screens (SPEC §6.6): alerts to acknowledge with a note, inspections, the
// integrity audit and its report, recalls. See main.js for the contract.

import * as desk from "./desk.js";
import { recallItem } from "./processor.js";
import { field } from "../ui.js";

export const strings = {
  vi: {
    regulator_alerts: "Cảnh báo",
    regulator_inspections: "Thanh tra",
    regulator_audit: "Kiểm toán sổ cái",
    regulator_recalls: "Thu hồi",
    regulator_alerts_title: "Cảnh báo chờ xem xét",
    regulator_alerts_none: "Không còn cảnh báo nào chờ xác nhận.",
    regulator_party: "Bên liên quan: {party}",
    regulator_subject: "{type} {id}",
    regulator_note: "Ghi chú (đã kiểm tra gì, đã làm gì)",
    regulator_acknowledge: "Xác nhận đã xem",
    regulator_acknowledged: "Đã xác nhận cảnh báo {id}.",
    regulator_inspect_party: "Lập biên bản thanh tra bên này",
    alert_farm_yield_high: "Sản lượng vườn cao bất thường",
    alert_plot_overlap: "Ranh giới vườn chồng lấn",
    alert_batch_yield_high: "Tỷ lệ nhân của mẻ cao bất thường",
    alert_batch_yield_low: "Tỷ lệ nhân của mẻ thấp bất thường",
    alert_transit_loss: "Hao hụt vận chuyển lớn",
    alert_origin_claim_exceeds_input: "Nhân \"Việt Nam\" vượt lượng hạt trong nước",
    alert_certificate_expired: "Chứng nhận đã hết hạn",
    alert_ledger_integrity: "Dữ liệu bị sửa ngoài ứng dụng",
    alert_recall: "Thu hồi lô",
    regulator_inspections_title: "Thanh tra",
    regulator_new_inspection: "Biên bản thanh tra mới",
    regulator_party_id: "Mã bên được thanh tra",
    regulator_inspected_on: "Ngày thanh tra",
    regulator_result: "Kết luận",
    result_pass: "Đạt",
    result_fail: "Không đạt",
    result_conditional: "Đạt có điều kiện",
    regulator_findings: "Nội dung phát hiện",
    regulator_record_inspection: "Lưu biên bản",
    regulator_inspection_saved: "Đã lưu biên bản {id}.",
    regulator_list_of: "Các lần thanh tra của một bên",
    regulator_show: "Xem",
    regulator_inspections_none: "Bên này chưa có lần thanh tra nào.",
    regulator_audit_title: "Kiểm toán toàn vẹn sổ cái",
    regulator_audit_intro: "Tính lại mọi mục sổ cái từ dữ liệu đã lưu, cây Merkle và mọi checkpoint đã ký. Mỗi vấn đề tìm thấy sinh một cảnh báo.",
    regulator_run_audit: "Chạy kiểm toán",
    regulator_audit_clean: "Sạch: {entries} mục, {records} bản ghi, {checkpoints} checkpoint khớp nhau.",
    regulator_audit_problems: "Tìm thấy {n} vấn đề (trên {entries} mục, {records} bản ghi, {checkpoints} checkpoint):",
    regulator_problem_at: "Mục {index} · {type} {id}",
    regulator_recalls_title: "Thu hồi",
    regulator_new_recall: "Thu hồi một lô",
    regulator_recall_intro: "Lô này và mọi lô, thùng hàng làm từ nó sẽ bị dừng; mỗi bên đang giữ được cảnh báo.",
    regulator_lot_id: "Mã lô",
    regulator_reason: "Lý do (điều đã phát hiện)",
    regulator_recall_button: "Thu hồi",
    regulator_recalled: "Đã thu hồi {lot}: {n} lô bị ảnh hưởng.",
    regulator_recalls_none: "Chưa có đợt thu hồi nào.",
  },
  en: {
    regulator_alerts: "Alerts",
    regulator_inspections: "Inspections",
    regulator_audit: "Ledger audit",
    regulator_recalls: "Recalls",
    regulator_alerts_title: "Alerts to look at",
    regulator_alerts_none: "No alert waits for an acknowledgement.",
    regulator_party: "Party: {party}",
    regulator_subject: "{type} {id}",
    regulator_note: "Note (what was checked or done)",
    regulator_acknowledge: "Acknowledge",
    regulator_acknowledged: "Alert {id} acknowledged.",
    regulator_inspect_party: "Inspect this party",
    alert_farm_yield_high: "Farm yield unusually high",
    alert_plot_overlap: "Plots overlap",
    alert_batch_yield_high: "Batch kernel yield unusually high",
    alert_batch_yield_low: "Batch kernel yield unusually low",
    alert_transit_loss: "Large transit loss",
    alert_origin_claim_exceeds_input: "\"Vietnamese\" kernel beyond the domestic nuts",
    alert_certificate_expired: "Certificate expired",
    alert_ledger_integrity: "Data changed behind the application's back",
    alert_recall: "Lot recalled",
    regulator_inspections_title: "Inspections",
    regulator_new_inspection: "New inspection",
    regulator_party_id: "Party inspected (id)",
    regulator_inspected_on: "Inspected on",
    regulator_result: "Result",
    result_pass: "Pass",
    result_fail: "Fail",
    result_conditional: "Conditional",
    regulator_findings: "Findings",
    regulator_record_inspection: "Record the inspection",
    regulator_inspection_saved: "Inspection {id} recorded.",
    regulator_list_of: "A party's inspections",
    regulator_show: "Show",
    regulator_inspections_none: "This party has no inspection yet.",
    regulator_audit_title: "Ledger integrity audit",
    regulator_audit_intro: "Recompute every ledger entry from the stored records, the Merkle tree and every signed checkpoint. Each problem found raises an alert.",
    regulator_run_audit: "Run the audit",
    regulator_audit_clean: "Clean: {entries} entries, {records} records, {checkpoints} checkpoints agree.",
    regulator_audit_problems: "{n} problems found (over {entries} entries, {records} records, {checkpoints} checkpoints):",
    regulator_problem_at: "Entry {index} · {type} {id}",
    regulator_recalls_title: "Recalls",
    regulator_new_recall: "Recall a lot",
    regulator_recall_intro: "This lot and every lot and container made from it stop where they are; each holder is alerted.",
    regulator_lot_id: "Lot id",
    regulator_reason: "Reason (what was found)",
    regulator_recall_button: "Recall",
    regulator_recalled: "{lot} recalled: {n} lots reached.",
    regulator_recalls_none: "No recall yet.",
  },
};

const detailText = (detail) =>
  Object.entries(detail || {})
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`)
    .join(" · ");

function alertItem(app, alert) {
  const { h, t } = app;
  const box = h("div", { class: "answer" });
  const send = desk.writer(app);
  const kind = t(`alert_${alert.kind}`);
  const item = h(
    "li",
    { class: "alert-item", "data-alert": alert.id },
    h("div", { class: "row" }, h("strong", {}, kind.startsWith("alert_") ? alert.kind : kind), h("span", { class: "tag warn" }, desk.when(app, alert.raised_at))),
    h("p", { class: "muted" }, t("regulator_subject", { type: alert.subject_type, id: alert.subject_id }), alert.party_id ? ` · ${t("regulator_party", { party: alert.party_id })}` : ""),
    h("p", { class: "detail mono" }, detailText(alert.detail)),
    alert.party_id ? h("a", { href: `#/inspections?party=${encodeURIComponent(alert.party_id)}`, class: "inspect" }, t("regulator_inspect_party")) : null,
    h(
      "form",
      {
        class: "acknowledge",
        onsubmit: desk.onSubmit(app, box, async (f) => {
          const read = await send(`/api/v1/oversight/alerts/${alert.id}/acknowledge`, { note: f.note.value.trim() });
          item.replaceWith(h("li", { class: "alert-item done", "data-alert": alert.id }, h("p", { class: "ok", role: "status" }, t("regulator_acknowledged", { id: read.id }))));
        }),
      },
      field(t("regulator_note"), h("textarea", { name: "note", required: true, maxlength: "2000" })),
      h("button", { type: "submit", class: "primary" }, t("regulator_acknowledge")),
      box,
    ),
  );
  return item;
}

async function alerts(el, app) {
  el.append(app.h("h1", {}, app.t("regulator_alerts_title")));
  const list = app.h("ul", { class: "list alerts" });
  el.append(list);
  await desk.paged(app, list, "/api/v1/oversight/alerts?acknowledged=false", (a) => alertItem(app, a), app.t("regulator_alerts_none"));
}

function inspectionItem(app, i) {
  const { h, t } = app;
  const tag = i.result === "pass" ? "tag" : i.result === "fail" ? "tag bad" : "tag warn";
  return h("li", { "data-inspection": i.id }, h("div", { class: "row" }, h("strong", {}, app.day(i.inspected_on)), h("span", { class: tag }, t(`result_${i.result}`))), h("p", {}, i.findings));
}

async function inspections(el, app) {
  const { h, t } = app;
  const party = app.params.get("party") || "";
  const box = h("div", { class: "answer", "aria-live": "polite" });
  const send = desk.writer(app);
  const list = h("ul", { class: "list inspections" });
  el.append(
    h("h1", {}, t("regulator_inspections_title")),
    h(
      "form",
      {
        class: "card inspection",
        onsubmit: desk.onSubmit(app, box, async (f) => {
          const body = { party_id: f.party_id.value.trim(), inspected_on: f.inspected_on.value, result: f.result.value, findings: f.findings.value.trim() };
          const made = await send("/api/v1/oversight/inspections", body);
          box.replaceChildren(h("p", { class: "ok", role: "status", "data-inspection": made.id }, t("regulator_inspection_saved", { id: made.id })));
          if (made.party_id === party) list.append(inspectionItem(app, made));
        }),
      },
      h("h2", {}, t("regulator_new_inspection")),
      field(t("regulator_party_id"), h("input", { name: "party_id", required: true, value: party, class: "mono", spellcheck: "false" })),
      h(
        "div",
        { class: "grid2" },
        field(t("regulator_inspected_on"), h("input", { name: "inspected_on", type: "date", required: true, value: app.todayInVietnam(), max: app.todayInVietnam() })),
        field(t("regulator_result"), h("select", { name: "result" }, ["pass", "conditional", "fail"].map((r) => h("option", { value: r }, t(`result_${r}`))))),
      ),
      field(t("regulator_findings"), h("textarea", { name: "findings", required: true, maxlength: "10000" })),
      h("button", { type: "submit", class: "primary" }, t("regulator_record_inspection")),
      box,
    ),
    h(
      "form",
      { class: "card lookup", onsubmit: (e) => { e.preventDefault(); app.go("inspections", { party: e.target.party.value.trim() }); } },
      h("h2", {}, t("regulator_list_of")),
      field(t("regulator_party_id"), h("input", { name: "party", required: true, value: party, class: "mono", spellcheck: "false" })),
      h("button", { type: "submit", class: "secondary" }, t("regulator_show")),
    ),
  );
  if (!party) return;
  el.append(list);
  await desk.paged(app, list, `/api/v1/oversight/inspections?party_id=${encodeURIComponent(party)}`, (i) => inspectionItem(app, i), t("regulator_inspections_none"));
}

async function audit(el, app) {
  const { h, t } = app;
  const report = h("div", { class: "report", "aria-live": "polite" });
  const run = desk.onSubmit(app, report, async () => {
    const r = await app.api("/api/v1/oversight/audits", { method: "POST" });
    const counts = { entries: r.entries, records: r.records, checkpoints: r.checkpoints };
    if (r.clean) return report.replaceChildren(h("p", { class: "ok clean", role: "status" }, t("regulator_audit_clean", counts)));
    report.replaceChildren(
      h("p", { class: "problem", role: "alert" }, t("regulator_audit_problems", { n: r.problems.length, ...counts })),
      h("ul", { class: "list problems" }, r.problems.map((p) => h("li", {}, h("strong", { class: "mono" }, t("regulator_problem_at", { index: p.ledger_index ?? "–", type: p.record_type ?? "", id: p.record_id ?? "" })), h("p", {}, p.problem)))),
    );
  });
  el.append(
    h("h1", {}, t("regulator_audit_title")),
    h("form", { class: "card audit", onsubmit: run }, h("p", { class: "muted" }, t("regulator_audit_intro")), h("button", { type: "submit", class: "primary" }, t("regulator_run_audit"))),
    report,
  );
}

async function recalls(el, app) {
  const { h, t } = app;
  const box = h("div", { class: "answer", "aria-live": "polite" });
  const send = desk.writer(app);
  const list = h("ul", { class: "list recalls" });
  el.append(
    h("h1", {}, t("regulator_recalls_title")),
    h(
      "form",
      {
        class: "card recall-form",
        onsubmit: desk.onSubmit(app, box, async (f) => {
          const made = await send("/api/v1/oversight/recalls", { lot_id: f.lot_id.value.trim().toUpperCase(), reason: f.reason.value.trim() });
          box.replaceChildren(h("p", { class: "ok", role: "status", "data-recall": made.id }, t("regulator_recalled", { lot: made.lot_id, n: made.lots.length })));
          if (!list.isConnected) el.querySelector(".empty")?.replaceWith(list);
          list.append(recallItem(app, made));
        }),
      },
      h("h2", {}, t("regulator_new_recall")),
      h("p", { class: "muted" }, t("regulator_recall_intro")),
      field(t("regulator_lot_id"), h("input", { name: "lot_id", required: true, maxlength: "20", class: "mono", spellcheck: "false" })),
      field(t("regulator_reason"), h("textarea", { name: "reason", required: true, maxlength: "2000" })),
      h("button", { type: "submit", class: "primary danger" }, t("regulator_recall_button")),
      box,
    ),
    list,
  );
  await desk.paged(app, list, "/api/v1/oversight/recalls", (r) => recallItem(app, r), t("regulator_recalls_none"));
}

export const screens = [
  { id: "alerts", label: "regulator_alerts", render: alerts },
  { id: "inspections", label: "regulator_inspections", render: inspections },
  { id: "audit", label: "regulator_audit", render: audit },
  { id: "recalls", label: "regulator_recalls", render: recalls },
];
