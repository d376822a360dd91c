// The processor's screens (SPEC §6.6): weigh in what arrives, cutting tests with the outturn as
// the clerk types, batches with their mass balance and kernel yield before sending, stock, label
// sheets for a batch's outputs, recalls affecting my lots. See main.js for the contract.

import * as desk from "./desk.js";
import { field } from "../ui.js";

export const strings = {
  vi: {
    ...desk.strings.vi,
    processor_receive: "Nhận hàng",
    processor_cutting: "Cắt thử",
    processor_batch: "Mẻ chế biến",
    processor_stock: "Tồn kho",
    processor_labels: "Nhãn",
    processor_recalls: "Thu hồi",
    processor_receive_title: "Hàng đang đến",
    processor_receive_none: "Không có lô nào đang chờ nhận.",
    processor_sent_by: "Gửi bởi {party} · {kg}",
    processor_received_kg: "Khối lượng cân được (kg)",
    processor_receive_button: "Nhận lô",
    processor_received: "Đã nhận {lot}: {kg}.",
    processor_cutting_title: "Cắt thử một lô hạt thô",
    processor_lot: "Lô hạt thô",
    processor_input_lot: "Lô",
    processor_no_raw: "Không có lô hạt thô nào trong kho.",
    processor_sample_g: "Khối lượng mẫu (g)",
    processor_nut_count: "Số hạt trong mẫu",
    processor_good_g: "Nhân tốt (g)",
    processor_spotted_g: "Nhân đốm (g)",
    processor_reject_g: "Nhân loại (g)",
    processor_moisture: "Độ ẩm (%)",
    processor_outturn: "Outturn",
    processor_outturn_unit: "lbs/bao 80 kg",
    processor_per_kg: "Số hạt/kg",
    processor_recovery: "Tỷ lệ thu hồi nhân",
    processor_record_test: "Lưu kết quả cắt thử",
    processor_test_saved: "Đã lưu: outturn {outturn} lbs, {per_kg} hạt/kg (lô {lot}).",
    processor_batch_title: "Mẻ chế biến mới",
    processor_inputs: "Đầu vào (lô trong kho)",
    processor_outputs: "Đầu ra",
    processor_add_input: "+ Thêm lô đầu vào",
    processor_add_output: "+ Thêm đầu ra",
    processor_remove: "Bỏ",
    processor_kg: "kg",
    processor_product: "Sản phẩm",
    processor_grade: "Hạng",
    processor_loss_kg: "Hao hụt khai báo (kg)",
    processor_inputs_total: "Tổng đầu vào",
    processor_outputs_total: "Đầu ra + hao hụt",
    processor_balance_ok: "Cân bằng khối lượng: đạt (còn {kg} chưa khai báo).",
    processor_balance_over: "Đầu ra vượt đầu vào {kg}: máy chủ sẽ từ chối.",
    processor_yield: "Tỷ lệ nhân",
    processor_yield_of: "{kernel} nhân / {raw} hạt thô",
    processor_yield_limit: "Tối đa theo outturn: {kg}",
    processor_yield_band: "Ngoài khoảng thường gặp 21–29 %: sẽ bị cảnh báo.",
    processor_send_batch: "Gửi mẻ chế biến",
    processor_batch_saved: "Đã ghi mẻ {id}: {n} lô đầu ra.",
    processor_print_labels: "In nhãn cho mẻ này",
    processor_choose: "— chọn —",
    product_rcn: "Hạt điều thô",
    product_kernel: "Nhân điều",
    product_shell: "Vỏ hạt",
    product_testa: "Vỏ lụa",
    product_reject: "Phế phẩm",
    processor_stock_title: "Tồn kho",
    processor_all_products: "Mọi sản phẩm",
    processor_filter: "Lọc",
    processor_stock_none: "Không có lô nào khớp.",
    processor_outturn_of: "outturn {outturn} lbs",
    processor_labels_title: "Tờ nhãn cho đầu ra của mẻ",
    processor_batch_none: "Chưa có mẻ chế biến nào.",
    processor_format: "Khổ giấy",
    processor_format_a4: "A4 (10 nhãn/trang)",
    processor_format_thermal: "Nhãn nhiệt 100×50 mm",
    processor_download: "Tải tờ nhãn (PDF)",
    processor_downloaded: "Đã tải tờ nhãn: {n} nhãn.",
    processor_nothing_held: "Không còn lô đầu ra nào của mẻ này trong kho.",
    processor_recalls_title: "Thu hồi liên quan đến lô của tôi",
    processor_recalls_none: "Không có đợt thu hồi nào liên quan đến lô của bạn.",
    processor_recall_lots: "Lô bị ảnh hưởng",
    processor_was: "trước đó: {status}",
    status_held: "trong kho",
    status_in_transit: "đang vận chuyển",
    status_consumed: "đã chế biến",
    status_shipped: "đã xuất",
    status_recalled: "đã thu hồi",
  },
  en: {
    ...desk.strings.en,
    processor_receive: "Receive",
    processor_cutting: "Cutting test",
    processor_batch: "Batch",
    processor_stock: "Stock",
    processor_labels: "Labels",
    processor_recalls: "Recalls",
    processor_receive_title: "On their way to me",
    processor_receive_none: "No lot is waiting to be received.",
    processor_sent_by: "Sent by {party} · {kg}",
    processor_received_kg: "Weighed in (kg)",
    processor_receive_button: "Receive the lot",
    processor_received: "Received {lot}: {kg}.",
    processor_cutting_title: "Cutting test of a raw-nut lot",
    processor_lot: "Raw-nut lot",
    processor_input_lot: "Lot",
    processor_no_raw: "No raw-nut lot in stock.",
    processor_sample_g: "Sample (g)",
    processor_nut_count: "Nuts in the sample",
    processor_good_g: "Good kernel (g)",
    processor_spotted_g: "Spotted kernel (g)",
    processor_reject_g: "Reject kernel (g)",
    processor_moisture: "Moisture (%)",
    processor_outturn: "Outturn",
    processor_outturn_unit: "lbs/80 kg bag",
    processor_per_kg: "Nuts per kg",
    processor_recovery: "Kernel recovery",
    processor_record_test: "Record the cutting test",
    processor_test_saved: "Recorded: outturn {outturn} lbs, {per_kg} nuts/kg (lot {lot}).",
    processor_batch_title: "New processing batch",
    processor_inputs: "Inputs (lots in stock)",
    processor_outputs: "Outputs",
    processor_add_input: "+ Add an input lot",
    processor_add_output: "+ Add an output",
    processor_remove: "Remove",
    processor_kg: "kg",
    processor_product: "Product",
    processor_grade: "Grade",
    processor_loss_kg: "Stated loss (kg)",
    processor_inputs_total: "Inputs",
    processor_outputs_total: "Outputs + loss",
    processor_balance_ok: "Mass balance: holds ({kg} not accounted for).",
    processor_balance_over: "Outputs exceed inputs by {kg}: the server will refuse.",
    processor_yield: "Kernel yield",
    processor_yield_of: "{kernel} kernel / {raw} raw nuts",
    processor_yield_limit: "Most by the outturn: {kg}",
    processor_yield_band: "Outside the usual 21–29 %: it will be flagged.",
    processor_send_batch: "Send the batch",
    processor_batch_saved: "Batch {id} recorded: {n} output lots.",
    processor_print_labels: "Print this batch's labels",
    processor_choose: "— choose —",
    product_rcn: "Raw cashew nuts",
    product_kernel: "Kernel",
    product_shell: "Shell",
    product_testa: "Testa",
    product_reject: "Reject",
    processor_stock_title: "Stock",
    processor_all_products: "All products",
    processor_filter: "Filter",
    processor_stock_none: "No lot matches.",
    processor_outturn_of: "outturn {outturn} lbs",
    processor_labels_title: "Label sheets for a batch's outputs",
    processor_batch_none: "No batch yet.",
    processor_format: "Paper",
    processor_format_a4: "A4 (10 labels a page)",
    processor_format_thermal: "Thermal 100×50 mm",
    processor_download: "Download the label sheet (PDF)",
    processor_downloaded: "Label sheet downloaded: {n} labels.",
    processor_nothing_held: "None of this batch's outputs is still in stock.",
    processor_recalls_title: "Recalls reaching my lots",
    processor_recalls_none: "No recall reaches your lots.",
    processor_recall_lots: "Lots reached",
    processor_was: "was: {status}",
    status_held: "in stock",
    status_in_transit: "in transit",
    status_consumed: "processed",
    status_shipped: "shipped",
    status_recalled: "recalled",
  },
};

const PRODUCTS = ["kernel", "shell", "testa", "reject"];
const GRADES = ["W180", "W210", "W240", "W280", "W320", "W400", "W450", "W500", "SW", "SW240", "SW320", "SSW", "DW", "WB", "WS", "SB", "SS", "LP", "LWP", "SP", "SWP", "BB"];

// --- The server's arithmetic (traceability/processing/quality.py): Python's decimal, 28 digits,
// rounding half to even, so that the outturn shown is the one the server records. -------------
const PREC = 28;
const digits = (c) => c.toString().length;

function drop(x, n, sticky = false, halfUp = false) {
  if (n <= 0) return x;
  const p = 10n ** BigInt(n);
  let q = x.c / p;
  const twice = (x.c % p) * 2n;
  if (twice > p || (twice === p && (sticky || halfUp || q % 2n === 1n))) q += 1n;
  return { c: q, e: x.e + n };
}
const round = (x) => drop(x, digits(x.c) - PREC);
const mul = (a, b) => round({ c: a.c * b.c, e: a.e + b.e });
function add(a, b) {
  const e = Math.min(a.e, b.e);
  return round({ c: a.c * 10n ** BigInt(a.e - e) + b.c * 10n ** BigInt(b.e - e), e });
}
function div(a, b) {
  const k = Math.max(0, PREC + 2 + digits(b.c) - digits(a.c));
  const n = a.c * 10n ** BigInt(k);
  const q = { c: n / b.c, e: a.e - b.e - k };
  return drop(q, digits(q.c) - PREC, n % b.c !== 0n);
}
const D = (text) => desk.decimal(text);
const SPOTTED_FACTOR = D("0.5");
const BAG_KG = D("80");
const KG_PER_LB = D("0.45359237");

// Outturn (lbs of good kernel per 80 kg bag) to 2 decimals, as the server writes it: "47.44".
export function outturnText(good, spotted, sample) {
  const value = div(mul(div(add(good, mul(spotted, SPOTTED_FACTOR)), sample), BAG_KG), KG_PER_LB);
  const at2 = value.e >= -2 ? { c: value.c * 10n ** BigInt(value.e + 2), e: -2 } : drop(value, -2 - value.e);
  const text = at2.c.toString().padStart(3, "0");
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

// Nuts per kg, rounded half up to a whole number as the server does.
export function nutsPerKg(count, sample) {
  const value = mul(div(count, sample), D("1000"));
  return drop(value, -value.e, false, true).c;
}

const local = (app, text) => (app.lang === "vi" ? String(text).replace(".", ",") : String(text));
const pct = (app, ratio) => `${(ratio * 100).toLocaleString(app.lang === "vi" ? "vi-VN" : "en-GB", { maximumFractionDigits: 1, minimumFractionDigits: 1 })} %`;
const input = (attrs) => desk.numberInput(attrs);
const option = (app, value, label, selected) => app.h("option", { value, selected: selected || null }, label);

async function heldLots(app, query = "") {
  const lots = [];
  let cursor = null;
  do {
    const page = await app.api(`/api/v1/lots?held=true&status=held&limit=500${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    lots.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && lots.length < 5000);
  return lots;
}

const lotLabel = (app, lot) => `${lot.lot_id} · ${app.t(`product_${lot.product}`)}${lot.grade ? ` ${lot.grade}` : ""} · ${app.kg(lot.quantity_kg)}`;

// --- Receive ---------------------------------------------------------------------------------
async function receive(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("processor_receive_title")));
  const answer = h("div", { class: "answer", "aria-live": "polite" });
  el.append(answer);
  const page = await app.api("/api/v1/transfers?status=in_transit");
  const waiting = page.items.filter((tr) => tr.to_party_id === app.party.id);
  if (!waiting.length) return el.append(h("p", { class: "muted empty" }, t("processor_receive_none")));
  el.append(
    h(
      "ul",
      { class: "list transfers" },
      waiting.map((tr) => {
        const send = desk.writer(app);
        const box = h("div", { class: "answer" });
        const form = h(
          "form",
          {
            class: "receive",
            "data-transfer": tr.id,
            onsubmit: desk.onSubmit(app, box, async (f) => {
              const received = await send(`/api/v1/transfers/${tr.id}/receive`, { received_kg: desk.number(f.received_kg.value) });
              answer.replaceChildren(h("p", { class: "ok", role: "status" }, t("processor_received", { lot: received.lot_id, kg: app.kg(received.received_kg) })), ...desk.warnings(app, received.warnings));
              item.remove();
            }),
          },
          field(t("processor_received_kg"), input({ name: "received_kg", required: true, step: "0.001" })),
          h("button", { type: "submit", class: "primary" }, t("processor_receive_button")),
          box,
        );
        const item = h(
          "li",
          { "data-lot": tr.lot_id },
          h("div", { class: "row" }, h("strong", { class: "mono" }, tr.lot_id), h("span", { class: "tag warn" }, t("status_in_transit"))),
          h("p", { class: "muted" }, t("processor_sent_by", { party: tr.from_party_id, kg: app.kg(tr.quantity_kg) })),
          form,
        );
        return item;
      }),
    ),
  );
}

// --- Cutting test ----------------------------------------------------------------------------
async function cutting(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("processor_cutting_title")));
  const raw = await heldLots(app, "&product=rcn");
  if (!raw.length) return el.append(h("p", { class: "muted empty" }, t("processor_no_raw")));
  const wanted = app.params.get("lot");
  const select = h("select", { name: "lot_id", required: true }, raw.map((lot) => option(app, lot.lot_id, lotLabel(app, lot), lot.lot_id === wanted)));
  const outturn = h("output", { class: "figure outturn", "aria-live": "polite" }, "–");
  const perKg = h("output", { class: "figure per-kg" }, "–");
  const recovery = h("output", { class: "figure recovery" }, "–");
  const box = h("div", { class: "answer", "aria-live": "polite" });
  const send = desk.writer(app);
  const names = ["sample_g", "nut_count", "good_kernel_g", "spotted_kernel_g", "reject_kernel_g", "moisture_pct"];
  const labels = ["processor_sample_g", "processor_nut_count", "processor_good_g", "processor_spotted_g", "processor_reject_g", "processor_moisture"];
  const fields = names.map((name, i) =>
    field(t(labels[i]), input({ name, required: name !== "spotted_kernel_g" && name !== "reject_kernel_g", step: name === "nut_count" ? "1" : name === "moisture_pct" ? "0.01" : "0.1", placeholder: name.includes("spotted") || name.includes("reject") ? "0" : null })),
  );
  const form = h(
    "form",
    {
      class: "card cutting",
      oninput: () => show(),
      onsubmit: desk.onSubmit(app, box, async (f) => {
        const v = Object.fromEntries(names.map((n) => [n, f[n].value.trim() === "" ? 0 : desk.number(f[n].value)]));
        v.nut_count = Math.trunc(v.nut_count);
        const test = await send(`/api/v1/lots/${encodeURIComponent(f.lot_id.value)}/quality-tests`, v);
        box.replaceChildren(h("p", { class: "ok", role: "status", "data-outturn": test.outturn_lbs }, t("processor_test_saved", { outturn: local(app, test.outturn_lbs.toFixed(2)), per_kg: test.nut_count_per_kg, lot: test.lot_id })), ...desk.warnings(app, test.warnings));
      }),
    },
    field(t("processor_lot"), select),
    h("div", { class: "grid2" }, fields),
    h(
      "div",
      { class: "figures" },
      h("div", {}, h("span", { class: "label" }, t("processor_outturn")), outturn, h("span", { class: "unit" }, t("processor_outturn_unit"))),
      h("div", {}, h("span", { class: "label" }, t("processor_per_kg")), perKg),
      h("div", {}, h("span", { class: "label" }, t("processor_recovery")), recovery),
    ),
    h("button", { type: "submit", class: "primary" }, t("processor_record_test")),
    box,
  );
  function show() {
    const sample = D(form.sample_g.value);
    const good = D(form.good_kernel_g.value);
    const spotted = form.spotted_kernel_g.value.trim() === "" ? D("0") : D(form.spotted_kernel_g.value);
    const count = D(form.nut_count.value);
    const usable = sample && sample.c > 0n;
    const text = usable && good && spotted ? outturnText(good, spotted, sample) : null;
    outturn.textContent = text ? local(app, text) : "–";
    outturn.dataset.value = text || "";
    recovery.textContent = text ? pct(app, (Number(text) * 0.45359237) / 80) : "–";
    perKg.textContent = usable && count ? String(nutsPerKg(count, sample)) : "–";
  }
  el.append(form);
}

// --- Batch -----------------------------------------------------------------------------------
async function batch(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("processor_batch_title")));
  const stock = await heldLots(app);
  const byId = Object.fromEntries(stock.map((lot) => [lot.lot_id, lot]));
  const inputs = h("div", { class: "rows inputs" });
  const outputs = h("div", { class: "rows outputs" });
  const summary = h("div", { class: "card balance", "aria-live": "polite" });
  const box = h("div", { class: "answer", "aria-live": "polite" });
  const send = desk.writer(app);
  const remove = (row) => h("button", { type: "button", class: "secondary remove", "aria-label": t("processor_remove"), onclick: () => { row.remove(); show(); } }, "×");

  function inputRow() {
    const row = h("div", { class: "line input-row" });
    row.append(
      field(t("processor_input_lot"), h("select", { name: "input_lot", required: true }, option(app, "", t("processor_choose")), stock.map((lot) => option(app, lot.lot_id, lotLabel(app, lot))))),
      field(t("processor_kg"), input({ name: "input_kg", required: true, step: "0.001" })),
      remove(row),
    );
    inputs.append(row);
  }
  function outputRow(product = "kernel") {
    const row = h("div", { class: "line output-row" });
    const grade = h("select", { name: "output_grade" }, option(app, "", "–"), GRADES.map((g) => option(app, g, g)));
    const productSelect = h("select", { name: "output_product", onchange: () => { grade.disabled = productSelect.value !== "kernel"; if (grade.disabled) grade.value = ""; } }, PRODUCTS.map((p) => option(app, p, t(`product_${p}`), p === product)));
    grade.disabled = product !== "kernel";
    row.append(field(t("processor_product"), productSelect), field(t("processor_grade"), grade), field(t("processor_kg"), input({ name: "output_kg", required: true, step: "0.001" })), remove(row));
    outputs.append(row);
  }
  const grams = (text) => Math.round(desk.number(text) * 1000) || 0;

  function figures() {
    const ins = [...inputs.children].map((row) => ({ lot: byId[row.querySelector("[name=input_lot]").value], g: grams(row.querySelector("[name=input_kg]").value) }));
    const outs = [...outputs.children].map((row) => ({ product: row.querySelector("[name=output_product]").value, g: grams(row.querySelector("[name=output_kg]").value) }));
    const inputG = ins.reduce((s, i) => s + i.g, 0);
    const lossG = grams(form.loss_kg.value);
    const outputG = outs.reduce((s, o) => s + o.g, 0);
    const raw = ins.filter((i) => i.lot && i.lot.product === "rcn");
    const rawG = raw.reduce((s, i) => s + i.g, 0);
    const kernelG = outs.filter((o) => o.product === "kernel").reduce((s, o) => s + o.g, 0);
    // The most kernel the raw nuts can give: tested recovery + 3 points, at most 32 % (rules.py).
    const limitG = raw.reduce((s, i) => s + i.g * Math.min(i.lot.outturn_lbs ? (i.lot.outturn_lbs * 0.45359237) / 80 + 0.03 : 0.32, 0.32), 0);
    return { inputG, lossG, outputG, rawG, kernelG, limitG };
  }
  function show() {
    const f = figures();
    const over = f.outputG + f.lossG - f.inputG;
    const ratio = f.rawG && f.kernelG ? f.kernelG / f.rawG : null;
    summary.classList.toggle("broken", over > 0);
    const parts = [
      h("div", { class: "row" }, h("span", {}, t("processor_inputs_total")), h("strong", { class: "inputs-total" }, app.kg(f.inputG / 1000))),
      h("div", { class: "row" }, h("span", {}, t("processor_outputs_total")), h("strong", { class: "outputs-total" }, app.kg((f.outputG + f.lossG) / 1000))),
      h("div", { class: "meter", "aria-hidden": "true" }, meterBar(f)),
      h("p", { class: over > 0 ? "verdict over" : "verdict holds" }, over > 0 ? t("processor_balance_over", { kg: app.kg(over / 1000) }) : t("processor_balance_ok", { kg: app.kg(-over / 1000) })),
      h("div", { class: "row" }, h("span", {}, t("processor_yield")), h("strong", { class: "yield" }, ratio === null ? "–" : pct(app, ratio))),
      ratio === null ? null : h("p", { class: "muted" }, t("processor_yield_of", { kernel: app.kg(f.kernelG / 1000), raw: app.kg(f.rawG / 1000) }), " · ", t("processor_yield_limit", { kg: app.kg(Math.floor(f.limitG) / 1000) })),
      ratio !== null && (ratio < 0.21 || ratio > 0.29) ? h("p", { class: "warning" }, t("processor_yield_band")) : null,
    ].filter(Boolean);
    summary.replaceChildren(...parts);
  }
  function meterBar(f) {
    const top = Math.max(f.inputG, f.outputG + f.lossG, 1);
    const bar = (cls, g) => {
      const span = h("span", { class: cls });
      span.style.width = `${Math.min(100, (g / top) * 100)}%`;
      return span;
    };
    return [h("div", { class: "track" }, bar("in", f.inputG)), h("div", { class: "track" }, bar("out", f.outputG + f.lossG))];
  }

  const form = h(
    "form",
    {
      class: "card batch",
      oninput: () => show(),
      onchange: () => show(),
      onsubmit: desk.onSubmit(app, box, async () => {
        const body = {
          inputs: [...inputs.children].map((row) => ({ lot_id: row.querySelector("[name=input_lot]").value, quantity_kg: desk.number(row.querySelector("[name=input_kg]").value) })),
          outputs: [...outputs.children].map((row) => {
            const grade = row.querySelector("[name=output_grade]").value;
            return { product: row.querySelector("[name=output_product]").value, ...(grade ? { grade } : {}), quantity_kg: desk.number(row.querySelector("[name=output_kg]").value) };
          }),
        };
        if (form.loss_kg.value.trim() !== "") body.loss_kg = desk.number(form.loss_kg.value);
        const made = await send("/api/v1/batches", body);
        box.replaceChildren(
          h("p", { class: "ok", role: "status", "data-batch": made.id }, t("processor_batch_saved", { id: made.id, n: made.outputs.length })),
          ...desk.warnings(app, made.warnings),
          h("a", { href: `#/labels?batch=${encodeURIComponent(made.id)}`, class: "secondary" }, t("processor_print_labels")),
        );
      }),
    },
    h("h2", {}, t("processor_inputs")),
    inputs,
    h("button", { type: "button", class: "secondary add", onclick: () => { inputRow(); show(); } }, t("processor_add_input")),
    h("h2", {}, t("processor_outputs")),
    outputs,
    h("button", { type: "button", class: "secondary add", onclick: () => { outputRow(); show(); } }, t("processor_add_output")),
    field(t("processor_loss_kg"), input({ name: "loss_kg", step: "0.001", placeholder: "0" })),
    summary,
    h("button", { type: "submit", class: "primary" }, t("processor_send_batch")),
    box,
  );
  inputRow();
  outputRow("kernel");
  outputRow("shell");
  el.append(form);
  show();
}

// --- Stock -----------------------------------------------------------------------------------
async function stock(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("processor_stock_title")));
  const product = app.params.get("product") || "";
  const grade = app.params.get("grade") || "";
  el.append(
    h(
      "form",
      { class: "card filters", onsubmit: (e) => { e.preventDefault(); const q = {}; if (e.target.product.value) q.product = e.target.product.value; if (e.target.grade.value) q.grade = e.target.grade.value; app.go("stock", q); } },
      h("div", { class: "grid2" },
        field(t("processor_product"), h("select", { name: "product" }, option(app, "", t("processor_all_products")), ["rcn", ...PRODUCTS].map((p) => option(app, p, t(`product_${p}`), p === product)))),
        field(t("processor_grade"), h("select", { name: "grade" }, option(app, "", "–"), GRADES.map((g) => option(app, g, g, g === grade)))),
      ),
      h("button", { type: "submit", class: "secondary" }, t("processor_filter")),
    ),
  );
  const query = `${product ? `&product=${encodeURIComponent(product)}` : ""}${grade ? `&grade=${encodeURIComponent(grade)}` : ""}`;
  const list = h("ul", { class: "list stock" });
  el.append(list);
  await desk.paged(app, list, `/api/v1/lots?held=true&status=held${query}`, (lot) =>
    h(
      "li",
      { "data-lot": lot.lot_id },
      h("div", { class: "row" }, h("strong", { class: "mono" }, lot.lot_id), h("strong", {}, app.kg(lot.quantity_kg))),
      h("div", { class: "muted" }, `${t(`product_${lot.product}`)}${lot.grade ? ` ${lot.grade}` : ""} · ${app.day(lot.produced_on)}`, lot.outturn_lbs ? ` · ${t("processor_outturn_of", { outturn: local(app, lot.outturn_lbs.toFixed(2)) })}` : ""),
    ), t("processor_stock_none"));
}

// --- Labels ----------------------------------------------------------------------------------
async function labels(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("processor_labels_title")));
  const [page, held] = await Promise.all([app.api("/api/v1/batches?limit=500"), heldLots(app)]);
  const inStock = new Set(held.map((lot) => lot.lot_id));
  if (!page.items.length) return el.append(h("p", { class: "muted empty" }, t("processor_batch_none")));
  const wanted = app.params.get("batch");
  const batches = [...page.items].reverse();
  const chosen = batches.find((b) => b.id === wanted) || batches[0];
  const select = h("select", { name: "batch", onchange: () => app.go("labels", { batch: select.value }) }, batches.map((b) => option(app, b.id, `${b.id} · ${app.day(b.processed_on)}`, b.id === chosen.id)));
  const outs = chosen.outputs.filter((o) => inStock.has(o.lot_id));
  const box = h("div", { class: "answer", "aria-live": "polite" });
  const format = h("select", { name: "format" }, option(app, "a4", t("processor_format_a4")), option(app, "thermal-100x50", t("processor_format_thermal")));
  const form = h(
    "form",
    {
      class: "card labels",
      onsubmit: desk.onSubmit(app, box, async (f) => {
        const lots = [...f.querySelectorAll("[name=lot]:checked")].map((c) => c.value);
        const blob = await desk.download(app, `/api/v1/labels.pdf?lots=${encodeURIComponent(lots.join(","))}&format=${encodeURIComponent(format.value)}`, `nhan-${chosen.id}.pdf`);
        box.replaceChildren(h("p", { class: "ok", role: "status", "data-bytes": blob.size }, t("processor_downloaded", { n: lots.length })));
      }),
    },
    field(t("processor_batch"), select),
    outs.length
      ? h("ul", { class: "checks" }, outs.map((o) => h("li", {}, h("label", {}, h("input", { type: "checkbox", name: "lot", value: o.lot_id, checked: true }), ` ${o.lot_id} · ${t(`product_${o.product}`)}${o.grade ? ` ${o.grade}` : ""} · ${app.kg(o.quantity_kg)}`))))
      : h("p", { class: "muted empty" }, t("processor_nothing_held")),
    field(t("processor_format"), format),
    h("button", { type: "submit", class: "primary", disabled: !outs.length || null }, t("processor_download")),
    box,
  );
  el.append(form);
}

// --- Recalls ---------------------------------------------------------------------------------
export function recallItem(app, recall) {
  const { h, t } = app;
  return h(
    "li",
    { class: "recall", "data-recall": recall.id },
    h("div", { class: "row" }, h("strong", { class: "mono" }, recall.lot_id), h("span", { class: "tag bad" }, desk.when(app, recall.recalled_at))),
    h("p", {}, recall.reason),
    h("p", { class: "muted" }, t("processor_recall_lots")),
    h("ul", { class: "recalled-lots" }, recall.lots.map((lot) => h("li", {}, h("span", { class: "mono" }, lot.lot_id), ` · ${t(`product_${lot.product}`)}${lot.grade ? ` ${lot.grade}` : ""} · ${app.kg(lot.quantity_kg)} · ${t("processor_was", { status: t(`status_${lot.previous_status}`) })}`))),
  );
}

async function recalls(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("processor_recalls_title")));
  const list = h("ul", { class: "list recalls" });
  el.append(list);
  await desk.paged(app, list, "/api/v1/oversight/recalls", (r) => recallItem(app, r), t("processor_recalls_none"));
}

export const screens = [
  { id: "receive", label: "processor_receive", render: receive },
  { id: "cutting", label: "processor_cutting", render: cutting },
  { id: "batch", label: "processor_batch", render: batch },
  { id: "stock", label: "processor_stock", render: stock },
  { id: "labels", label: "processor_labels", render: labels },
  { id: "recalls", label: "processor_recalls", render: recalls },
];
