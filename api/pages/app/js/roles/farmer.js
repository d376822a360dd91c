// The farmer's screens (SPEC §6.6): log a harvest (offline first), my farms with the plot
// drawn, my harvests and lots, send a lot to a processor, where my nuts went.
// See main.js for the contract: strings, screens, render(el, app).
//
// A harvest is first put in the outbox (outbox.js, IndexedDB) with its own Idempotency-Key,
// then sent. With no connection it waits there, listed on the harvest screen, and is sent
// again when the connection returns and whenever the app opens; the same key is sent every
// time, so a retry after a lost answer records nothing twice.

import * as outbox from "../outbox.js";
import { empty, field, problem, s } from "../ui.js";

export const strings = {
  vi: {
    farmer_harvest_tab: "Ghi thu hoạch",
    farmer_farms_tab: "Vườn của tôi",
    farmer_lots_tab: "Lô hàng",
    farmer_log_harvest: "Ghi thu hoạch",
    farmer_farm: "Vườn",
    farmer_date: "Ngày thu hoạch",
    farmer_kg: "Khối lượng (kg)",
    farmer_moisture: "Độ ẩm (%)",
    farmer_moisture_hint: "Không bắt buộc; từ 4 đến 30 nếu có máy đo.",
    farmer_save: "Ghi",
    farmer_no_farms: "Chưa có vườn nào. Hợp tác xã đăng ký vườn cho bạn.",
    farmer_farms_cached: "Danh sách vườn lưu trên máy lúc {at} (đang ngoại tuyến).",
    farmer_recorded: "Đã ghi {kg} ngày {day}: lô {lot}.",
    farmer_kept: "Đã lưu trên máy: sẽ tự gửi khi có mạng.",
    farmer_waiting: "Đang chờ gửi",
    farmer_waiting_count: "Đang chờ gửi ({n})",
    farmer_refused: "Bị từ chối",
    farmer_send_now: "Gửi ngay",
    farmer_edit: "Sửa",
    farmer_discard: "Bỏ",
    farmer_discard_ask: "Bỏ thu hoạch {kg} ngày {day}? Nó chưa được ghi.",
    farmer_sent_later: "Đã gửi {n} thu hoạch đang chờ.",
    farmer_still_offline: "Vẫn chưa có kết nối: thu hoạch còn chờ gửi.",
    farmer_nothing_waiting: "Không có gì chờ gửi.",
    farmer_signout_ask: "Còn {n} thu hoạch chưa gửi. Đăng xuất sẽ xoá chúng khỏi máy này. Vẫn đăng xuất?",
    farmer_warn_farm_yield_high: "Sản lượng vụ này vượt 2,5 tấn/ha: Sở có thể hỏi bằng chứng.",
    farmer_warn_certificate_expired: "Chứng nhận của vườn đã hết hạn: thu hoạch này không được chứng nhận.",
    farmer_area: "{ha} ha",
    farmer_point: "Vị trí vườn (diện tích khai báo {ha} ha)",
    farmer_polygon: "Ranh giới vườn, {ha} ha",
    farmer_planted: "Trồng năm {year}",
    farmer_certified: "Chứng nhận",
    farmer_harvests_of: "Thu hoạch vụ {season}",
    farmer_no_harvests: "Chưa có thu hoạch nào trong vụ này.",
    farmer_held: "Lô đang giữ",
    farmer_passed_on: "Lô đã gửi đi",
    farmer_no_lots: "Không có lô nào.",
    farmer_send: "Gửi cho nhà chế biến",
    farmer_where: "Hạt đã đi đâu",
    farmer_back: "← Lô hàng",
    farmer_send_title: "Gửi lô {lot}",
    farmer_lot_holds: "Lô đang có {kg}.",
    farmer_recipient: "Mã bên nhận",
    farmer_recipient_hint: "Mã nhà chế biến (bắt đầu bằng P), do nhà máy cho bạn.",
    farmer_send_kg: "Khối lượng gửi (kg)",
    farmer_send_kg_hint: "Gửi một phần: lô được tách, phần còn lại ở lại với bạn.",
    farmer_sent: "Đã gửi {kg} cho {to}: chuyến {transfer}, lô {lot}.",
    farmer_err_no_party: "Không có bên nhận nào mang mã {id}: kiểm tra lại mã.",
    farmer_err_invalid_recipient: "Lô chỉ gửi được cho nhà chế biến hoặc thương nhân.",
    farmer_err_dispatch_to_self: "Không gửi lô cho chính mình được.",
    farmer_trace_title: "Hạt của lô {lot} đã đi đâu",
    farmer_trace_none: "Lô này chưa đi đâu: vẫn ở với bạn.",
    farmer_steps: "Các bước",
    farmer_step_dispatch: "Gửi {kg} từ {from} cho {to}",
    farmer_step_received: "đã nhận {kg}",
    farmer_step_in_transit: "đang trên đường",
    farmer_step_cancelled: "đã huỷ",
    farmer_step_split: "Tách {kg} từ lô {from} thành lô {to}",
    farmer_step_batch: "Chế biến {kg} của lô {from} thành lô {to}",
    farmer_someone: "một bên khác",
    farmer_you: "bạn",
    farmer_lots_made: "Các lô",
    farmer_shipments: "Chuyến xuất khẩu",
    farmer_shipment: "Container {no}: {port} → {country}, ngày {day}",
    farmer_labels: "Nhãn thùng",
    farmer_label_count: "{n} nhãn, mở trang người mua:",
    product_rcn: "Hạt điều thô",
    product_kernel: "Nhân điều",
    product_shell: "Vỏ điều",
    product_testa: "Vỏ lụa",
    product_reject: "Hạt loại",
    status_held: "trong kho",
    status_in_transit: "đang vận chuyển",
    status_consumed: "đã chế biến",
    status_shipped: "đã xuất",
    status_recalled: "bị thu hồi",
  },
  en: {
    farmer_harvest_tab: "Log harvest",
    farmer_farms_tab: "My farms",
    farmer_lots_tab: "Lots",
    farmer_log_harvest: "Log a harvest",
    farmer_farm: "Farm",
    farmer_date: "Harvest date",
    farmer_kg: "Quantity (kg)",
    farmer_moisture: "Moisture (%)",
    farmer_moisture_hint: "Optional; 4 to 30 if you have a meter.",
    farmer_save: "Save",
    farmer_no_farms: "No farm yet. Your cooperative registers your farms.",
    farmer_farms_cached: "Farms as kept on this device at {at} (offline).",
    farmer_recorded: "Recorded {kg} on {day}: lot {lot}.",
    farmer_kept: "Kept on this device: it will be sent when the connection returns.",
    farmer_waiting: "Waiting to be sent",
    farmer_waiting_count: "Waiting to be sent ({n})",
    farmer_refused: "Refused",
    farmer_send_now: "Send now",
    farmer_edit: "Edit",
    farmer_discard: "Discard",
    farmer_discard_ask: "Discard the harvest of {kg} on {day}? It is not recorded.",
    farmer_sent_later: "Sent {n} waiting harvest(s).",
    farmer_still_offline: "Still no connection: the harvests are still waiting.",
    farmer_nothing_waiting: "Nothing waiting to be sent.",
    farmer_signout_ask: "{n} harvest(s) not sent yet. Signing out deletes them from this device. Sign out anyway?",
    farmer_warn_farm_yield_high: "This season is above 2.5 t/ha: the department may ask for evidence.",
    farmer_warn_certificate_expired: "The farm's certificate has lapsed: this harvest is not certified.",
    farmer_area: "{ha} ha",
    farmer_point: "The farm's location (declared area {ha} ha)",
    farmer_polygon: "The farm's boundary, {ha} ha",
    farmer_planted: "Planted in {year}",
    farmer_certified: "Certified",
    farmer_harvests_of: "Harvests of {season}",
    farmer_no_harvests: "No harvest this season yet.",
    farmer_held: "Lots I hold",
    farmer_passed_on: "Lots I sent",
    farmer_no_lots: "No lot.",
    farmer_send: "Send to a processor",
    farmer_where: "Where my nuts went",
    farmer_back: "← Lots",
    farmer_send_title: "Send lot {lot}",
    farmer_lot_holds: "The lot holds {kg}.",
    farmer_recipient: "Recipient's id",
    farmer_recipient_hint: "The processor's id (starts with P), given by the factory.",
    farmer_send_kg: "Quantity to send (kg)",
    farmer_send_kg_hint: "Sending part of it splits the lot; the rest stays with you.",
    farmer_sent: "Sent {kg} to {to}: transfer {transfer}, lot {lot}.",
    farmer_err_no_party: "No recipient has the id {id}: check it.",
    farmer_err_invalid_recipient: "Lots go to processors and traders only.",
    farmer_err_dispatch_to_self: "A lot cannot be sent to yourself.",
    farmer_trace_title: "Where the nuts of lot {lot} went",
    farmer_trace_none: "This lot has gone nowhere yet: it is still with you.",
    farmer_steps: "Steps",
    farmer_step_dispatch: "Sent {kg} from {from} to {to}",
    farmer_step_received: "received {kg}",
    farmer_step_in_transit: "on the way",
    farmer_step_cancelled: "cancelled",
    farmer_step_split: "Split {kg} off lot {from} into lot {to}",
    farmer_step_batch: "Processed {kg} of lot {from} into lot {to}",
    farmer_someone: "another party",
    farmer_you: "you",
    farmer_lots_made: "Lots",
    farmer_shipments: "Export shipments",
    farmer_shipment: "Container {no}: {port} → {country}, {day}",
    farmer_labels: "Carton labels",
    farmer_label_count: "{n} label(s); the buyer's page:",
    product_rcn: "Raw cashew nuts",
    product_kernel: "Kernel",
    product_shell: "Shell",
    product_testa: "Testa",
    product_reject: "Rejects",
    status_held: "held",
    status_in_transit: "in transit",
    status_consumed: "processed",
    status_shipped: "shipped",
    status_recalled: "recalled",
  },
};

const HARVESTS = "/api/v1/harvests";
const RECIPIENTS = "cashew.recipients";
let current = null; // the app, once a farmer's screen has been drawn

// --- the outbox, sent when the app opens and when the connection returns ---------------------

function flush(app) {
  return outbox.flush(app.api, app.party.id);
}

// In the background (the app opens, the connection returns): say what was sent.
function kick(app) {
  current = app;
  flush(app)
    .then((result) => {
      if (result.sent.length) app.toast(app.t("farmer_sent_later", { n: result.sent.length }));
    })
    .catch(() => {});
}

window.addEventListener("cashew:online", () => {
  if (current && current.party && current.party.role === "farmer") kick(current);
});

// Sign-out never loses waiting harvests silently: the shell asks this first.
export async function beforeSignOut(app) {
  const waiting = await outbox.entries(app.party.id);
  if (!waiting.length) return true;
  if (!window.confirm(app.t("farmer_signout_ask", { n: waiting.length }))) return false;
  await Promise.all(waiting.map((e) => outbox.remove(e.idempotencyKey)));
  return true;
}

// --- reading -------------------------------------------------------------------------------

async function everything(app, path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await app.api(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

// The farmer's farms: from the server, kept on the device for when there is no connection.
async function myFarms(app) {
  const kept = `cashew.farms.${app.party.id}`;
  try {
    const items = await everything(app, "/api/v1/farms");
    localStorage.setItem(kept, JSON.stringify({ at: new Date().toISOString(), items }));
    return { items, at: null };
  } catch (err) {
    const copy = localStorage.getItem(kept);
    if (err.status !== 0 || !copy) throw err;
    return JSON.parse(copy);
  }
}

function warningText(app, warning) {
  const code = String(warning).split(":")[0];
  const key = `farmer_warn_${code}`;
  const ours = app.t(key);
  return ours === key ? warning : ours;
}

function clock(app, iso) {
  const d = new Date(iso);
  return d.toLocaleString(app.lang === "vi" ? "vi-VN" : "en-GB", { dateStyle: "short", timeStyle: "short", timeZone: "Asia/Ho_Chi_Minh" });
}

// --- log a harvest -------------------------------------------------------------------------

async function harvestScreen(el, app) {
  current = app;
  const { h, t } = app;
  const answer = h("div", { class: "answer", "aria-live": "polite" });
  const waiting = h("div", { class: "outbox" });
  el.append(h("h1", {}, t("farmer_log_harvest")));

  let farms;
  try {
    farms = await myFarms(app);
  } catch (err) {
    el.append(problem(app.errorText(err)));
    return;
  }
  const names = Object.fromEntries(farms.items.map((f) => [f.id, f.name]));
  if (!farms.items.length) {
    el.append(empty(t("farmer_no_farms")));
    return;
  }
  const today = app.todayInVietnam();
  const farmSelect = h("select", { name: "farm_id", required: true }, ...farms.items.map((f) => h("option", { value: f.id }, f.name)));
  const date = h("input", { name: "harvested_on", type: "date", value: today, max: today, required: true });
  const quantity = h("input", { name: "quantity_kg", type: "number", inputmode: "decimal", min: "0.001", step: "any", required: true });
  const moisture = h("input", { name: "moisture_pct", type: "number", inputmode: "decimal", min: "4", max: "30", step: "any" });
  const form = h(
    "form",
    { class: "card harvest-form", onsubmit: submit },
    farms.at ? h("p", { class: "muted" }, t("farmer_farms_cached", { at: clock(app, farms.at) })) : null,
    field(t("farmer_farm"), farmSelect),
    field(t("farmer_date"), date),
    field(t("farmer_kg"), quantity),
    field(t("farmer_moisture"), moisture, t("farmer_moisture_hint")),
    h("button", { type: "submit", class: "primary" }, t("farmer_save")),
  );
  el.append(form, answer, waiting);

  async function submit(event) {
    event.preventDefault();
    const body = { farm_id: farmSelect.value, harvested_on: date.value, quantity_kg: Number(quantity.value) };
    if (moisture.value !== "") body.moisture_pct = Number(moisture.value);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const entry = await outbox.add({
        idempotencyKey: app.newIdempotencyKey(),
        path: HARVESTS,
        body,
        partyId: app.party.id,
        label: names[body.farm_id] || body.farm_id,
      });
      quantity.value = "";
      moisture.value = "";
      const result = await flush(app);
      const mine = result.sent.find((s) => s.entry.idempotencyKey === entry.idempotencyKey);
      const refused = result.refused.find((e) => e.idempotencyKey === entry.idempotencyKey);
      if (mine) {
        const harvest = mine.answer;
        answer.replaceChildren(
          h(
            "div",
            { class: "ok" },
            h("p", {}, t("farmer_recorded", { kg: app.kg(harvest.quantity_kg), day: app.day(harvest.harvested_on), lot: harvest.lot_id })),
            harvest.warnings.length ? h("ul", { class: "warnings" }, ...harvest.warnings.map((w) => h("li", {}, warningText(app, w)))) : null,
          ),
        );
      } else if (refused) {
        answer.replaceChildren(problem(app.errorText(refused.error)));
      } else {
        answer.replaceChildren(h("p", { class: "ok" }, t("farmer_kept")));
      }
    } catch (err) {
      answer.replaceChildren(problem(app.errorText(err)));
    } finally {
      button.disabled = false;
      await drawOutbox();
    }
  }

  function edit(entry) {
    farmSelect.value = entry.body.farm_id;
    date.value = entry.body.harvested_on;
    quantity.value = String(entry.body.quantity_kg);
    moisture.value = entry.body.moisture_pct === undefined ? "" : String(entry.body.moisture_pct);
    outbox.remove(entry.idempotencyKey).then(drawOutbox);
    quantity.focus();
  }

  async function discard(entry) {
    if (!window.confirm(t("farmer_discard_ask", { kg: app.kg(entry.body.quantity_kg), day: app.day(entry.body.harvested_on) }))) return;
    await outbox.remove(entry.idempotencyKey);
    await drawOutbox();
  }

  async function sendNow() {
    const result = await flush(app);
    if (result.offline) app.toast(t("farmer_still_offline"));
    await drawOutbox();
  }

  async function drawOutbox() {
    const entries = await outbox.entries(app.party.id);
    if (!entries.length) {
      waiting.replaceChildren();
      return;
    }
    const anyWaiting = entries.some((e) => e.state === "waiting");
    waiting.replaceChildren(
      h("h2", {}, t("farmer_waiting_count", { n: entries.length })),
      h(
        "ul",
        { class: "list waiting-list" },
        ...entries.map((entry) =>
          h(
            "li",
            { class: `waiting-item ${entry.state}`, "data-key": entry.idempotencyKey },
            h(
              "div",
              { class: "row" },
              h("strong", {}, app.kg(entry.body.quantity_kg)),
              h("span", {}, app.day(entry.body.harvested_on)),
              h("span", { class: entry.state === "refused" ? "tag bad" : "tag warn" }, t(entry.state === "refused" ? "farmer_refused" : "farmer_waiting")),
            ),
            h("div", { class: "muted" }, entry.label),
            entry.state === "refused" ? problem(app.errorText(entry.error)) : null,
            entry.state === "refused"
              ? h(
                  "div",
                  { class: "actions" },
                  h("button", { type: "button", class: "secondary", onclick: () => edit(entry) }, t("farmer_edit")),
                  h("button", { type: "button", class: "secondary", onclick: () => discard(entry) }, t("farmer_discard")),
                )
              : null,
          ),
        ),
      ),
      anyWaiting ? h("button", { type: "button", class: "secondary send-now", onclick: sendNow }, t("farmer_send_now")) : null,
    );
  }

  const redraw = () => {
    if (!el.isConnected) {
      window.removeEventListener("cashew:outbox", redraw);
      return;
    }
    drawOutbox();
  };
  window.addEventListener("cashew:outbox", redraw);
  await drawOutbox();
  kick(app);
}

// --- my farms ------------------------------------------------------------------------------

const BOX = { w: 320, h: 180, pad: 14 };

function rings(geometry) {
  if (geometry.type === "Polygon") return [geometry.coordinates[0]];
  if (geometry.type === "MultiPolygon") return geometry.coordinates.map((polygon) => polygon[0]);
  return [];
}

// The plot as SVG: the boundary projected to the box (longitudes shrunk by the cosine of the
// latitude, so the shape keeps its proportions), or a marker for a point. No map tiles.
function plot(farm, app) {
  const area = String(farm.computed_area_ha ?? farm.area_ha);
  const outline = rings(farm.geometry);
  const label = outline.length ? app.t("farmer_polygon", { ha: area }) : app.t("farmer_point", { ha: String(farm.area_ha) });
  const svg = s("svg", { viewBox: `0 0 ${BOX.w} ${BOX.h}`, class: "plot", role: "img", "aria-label": label }, s("title", {}, document.createTextNode(label)));
  svg.append(s("rect", { x: 0, y: 0, width: BOX.w, height: BOX.h, class: "plot-ground" }));
  if (!outline.length) {
    const cx = BOX.w / 2;
    const cy = BOX.h / 2;
    svg.append(
      s("circle", { cx, cy: cy + 18, r: 22, class: "plot-halo" }),
      s("path", { d: `M${cx} ${cy + 18} C${cx - 4} ${cy + 4} ${cx - 16} ${cy - 4} ${cx - 16} ${cy - 16} A16 16 0 1 1 ${cx + 16} ${cy - 16} C${cx + 16} ${cy - 4} ${cx + 4} ${cy + 4} ${cx} ${cy + 18}Z`, class: "plot-pin" }),
      s("circle", { cx, cy: cy - 16, r: 6, class: "plot-pin-dot" }),
    );
    return svg;
  }
  const all = outline.flat();
  const lat0 = all.reduce((sum, p) => sum + p[1], 0) / all.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = all.map((p) => p[0] * k);
  const ys = all.map((p) => -p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((BOX.w - 2 * BOX.pad) / (x1 - x0 || 1), (BOX.h - 2 * BOX.pad) / (y1 - y0 || 1));
  const dx = (BOX.w - (x1 - x0) * scale) / 2;
  const dy = (BOX.h - (y1 - y0) * scale) / 2;
  const d = outline
    .map((ring) => ring.map((p, i) => `${i ? "L" : "M"}${(dx + (p[0] * k - x0) * scale).toFixed(1)} ${(dy + (-p[1] - y0) * scale).toFixed(1)}`).join("") + "Z")
    .join("");
  svg.append(s("path", { d, class: "plot-outline" }));
  const text = s("text", { x: BOX.w - 8, y: BOX.h - 8, class: "plot-area", "text-anchor": "end" }, document.createTextNode(app.t("farmer_area", { ha: area })));
  svg.append(text);
  return svg;
}

async function farmsScreen(el, app) {
  kick(app);
  const { h, t } = app;
  el.append(h("h1", {}, t("farmer_farms_tab")));
  const farms = await myFarms(app);
  if (farms.at) el.append(h("p", { class: "muted" }, t("farmer_farms_cached", { at: clock(app, farms.at) })));
  if (!farms.items.length) return el.append(empty(t("farmer_no_farms")));
  el.append(
    h(
      "ul",
      { class: "list farms" },
      ...farms.items.map((farm) =>
        h(
          "li",
          { class: "farm", "data-farm": farm.id },
          h("div", { class: "row" }, h("strong", {}, farm.name), h("span", { class: "tag" }, t("farmer_area", { ha: String(farm.area_ha) }))),
          h("div", { class: "muted" }, [farm.commune, farm.district_name, farm.province].filter(Boolean).join(", ")),
          plot(farm, app),
          h(
            "div",
            { class: "muted" },
            [farm.planted_year ? t("farmer_planted", { year: farm.planted_year }) : null, farm.variety].filter(Boolean).join(" · "),
          ),
          farm.certifications.length
            ? h("div", {}, t("farmer_certified"), ": ", ...farm.certifications.map((c) => h("span", { class: "tag cert" }, c.scheme)))
            : null,
        ),
      ),
    ),
  );
}

// --- my harvests and lots, send a lot, where my nuts went ----------------------------------

function lotItem(app, lot, canSend) {
  const { h, t } = app;
  return h(
    "li",
    { class: "lot", "data-lot": lot.lot_id },
    h("div", { class: "row" }, h("strong", { class: "mono" }, lot.lot_id), h("span", {}, app.kg(lot.quantity_kg))),
    h("div", { class: "muted" }, `${t(`product_${lot.product}`)}${lot.grade ? ` ${lot.grade}` : ""} · ${app.day(lot.produced_on)} · ${t(`status_${lot.status}`)}`),
    h(
      "div",
      { class: "actions" },
      canSend && lot.status === "held" ? h("a", { class: "secondary", href: `#/lots?send=${encodeURIComponent(lot.lot_id)}` }, t("farmer_send")) : null,
      h("a", { class: "secondary", href: `#/lots?trace=${encodeURIComponent(lot.lot_id)}` }, t("farmer_where")),
    ),
  );
}

async function lotsScreen(el, app) {
  kick(app);
  if (app.params.get("send")) return sendScreen(el, app, app.params.get("send"));
  if (app.params.get("trace")) return traceScreen(el, app, app.params.get("trace"));
  const { h, t } = app;
  const season = app.todayInVietnam().slice(0, 4);
  const [farms, harvests, held, passed] = await Promise.all([
    myFarms(app),
    everything(app, `${HARVESTS}?season=${season}`),
    everything(app, "/api/v1/lots?held=true"),
    everything(app, "/api/v1/lots?held=false"),
  ]);
  const names = Object.fromEntries(farms.items.map((f) => [f.id, f.name]));
  el.append(
    h("h1", {}, t("farmer_lots_tab")),
    h("h2", {}, t("farmer_harvests_of", { season })),
    harvests.length
      ? h(
          "ul",
          { class: "list harvests" },
          ...harvests
            .slice()
            .reverse()
            .map((harvest) =>
              h(
                "li",
                { class: "harvest", "data-harvest": harvest.id },
                h("div", { class: "row" }, h("strong", {}, app.kg(harvest.quantity_kg)), h("span", {}, app.day(harvest.harvested_on))),
                h("div", { class: "muted" }, names[harvest.farm_id] || harvest.farm_id, " · ", h("span", { class: "mono" }, harvest.lot_id)),
              ),
            ),
        )
      : empty(t("farmer_no_harvests")),
    h("h2", {}, t("farmer_held")),
    held.length ? h("ul", { class: "list lots-held" }, ...held.slice().reverse().map((lot) => lotItem(app, lot, true))) : empty(t("farmer_no_lots")),
    h("h2", {}, t("farmer_passed_on")),
    passed.length ? h("ul", { class: "list lots-passed" }, ...passed.slice().reverse().map((lot) => lotItem(app, lot, false))) : empty(t("farmer_no_lots")),
  );
}

function recipients() {
  try {
    return JSON.parse(localStorage.getItem(RECIPIENTS) || "[]");
  } catch (_) {
    return [];
  }
}

async function sendScreen(el, app, lotId) {
  const { h, t } = app;
  el.append(h("a", { href: "#/lots", class: "back" }, t("farmer_back")), h("h1", {}, t("farmer_send_title", { lot: lotId })));
  const lot = await app.api(`/api/v1/lots/${encodeURIComponent(lotId)}`);
  const answer = h("div", { class: "answer", "aria-live": "polite" });
  const to = h("input", { name: "to_party_id", list: "farmer-recipients", required: true, autocomplete: "off", spellcheck: "false", value: recipients()[0] || "" });
  const quantity = h("input", { name: "quantity_kg", type: "number", inputmode: "decimal", min: "0.001", max: String(lot.quantity_kg), step: "any", required: true, value: String(lot.quantity_kg) });
  // One key for this form's sending: a retry after a lost answer sends it again.
  let key = app.newIdempotencyKey();
  let keyBody = null;
  const form = h(
    "form",
    { class: "card send-form", onsubmit: submit },
    h("p", {}, t("farmer_lot_holds", { kg: app.kg(lot.quantity_kg) })),
    field(t("farmer_recipient"), to, t("farmer_recipient_hint")),
    h("datalist", { id: "farmer-recipients" }, ...recipients().map((id) => h("option", { value: id }))),
    field(t("farmer_send_kg"), quantity, t("farmer_send_kg_hint")),
    h("button", { type: "submit", class: "primary" }, t("farmer_send")),
  );
  el.append(form, answer);

  async function submit(event) {
    event.preventDefault();
    const body = { to_party_id: to.value.trim(), quantity_kg: Number(quantity.value) };
    const text = JSON.stringify(body);
    if (keyBody !== null && keyBody !== text) key = app.newIdempotencyKey(); // a new request, not a retry
    keyBody = text;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const transfer = await app.api(`/api/v1/lots/${encodeURIComponent(lotId)}/dispatch`, { method: "POST", body, idempotencyKey: key });
      localStorage.setItem(RECIPIENTS, JSON.stringify([body.to_party_id, ...recipients().filter((r) => r !== body.to_party_id)].slice(0, 10)));
      form.remove();
      answer.replaceChildren(
        h("p", { class: "ok" }, t("farmer_sent", { kg: app.kg(transfer.quantity_kg), to: transfer.to_party_id, transfer: transfer.id, lot: transfer.lot_id })),
        h("a", { class: "secondary", href: `#/lots?trace=${encodeURIComponent(transfer.lot_id)}` }, t("farmer_where")),
      );
    } catch (err) {
      answer.replaceChildren(problem(refusal(app, err, body)));
    } finally {
      button.disabled = false;
    }
  }
}

// A dispatch's refusal: ours for the recipient's mistakes, else the shell's words.
function refusal(app, err, body) {
  if (err.status === 404) return app.t("farmer_err_no_party", { id: body.to_party_id });
  const key = `farmer_err_${err.code}`;
  const ours = app.t(key);
  return ours === key ? app.errorText(err) : ours;
}

async function traceScreen(el, app, lotId) {
  const { h, t } = app;
  el.append(h("a", { href: "#/lots", class: "back" }, t("farmer_back")), h("h1", {}, t("farmer_trace_title", { lot: lotId })));
  const trace = await app.api(`/api/v1/lots/${encodeURIComponent(lotId)}/trace?direction=forward`);
  const me = app.party.id;
  const who = (id) => (id === me ? t("farmer_you") : id || t("farmer_someone"));
  if (!trace.edges.length && !trace.shipments.length) {
    el.append(empty(t("farmer_trace_none")));
    return;
  }
  const step = (edge) => {
    if (edge.kind === "dispatch") {
      const state = edge.status === "received" ? t("farmer_step_received", { kg: app.kg(edge.received_kg) }) : t(`farmer_step_${edge.status}`);
      return `${t("farmer_step_dispatch", { kg: app.kg(edge.quantity_kg), from: who(edge.from_party_id), to: who(edge.to_party_id) })}: ${state}`;
    }
    return t(`farmer_step_${edge.kind}`, { kg: app.kg(edge.quantity_kg), from: edge.from, to: edge.to });
  };
  el.append(
    h("h2", {}, t("farmer_steps")),
    h("ol", { class: "list trace-steps" }, ...trace.edges.map((edge) => h("li", { class: `step ${edge.kind}` }, step(edge)))),
    h("h2", {}, t("farmer_lots_made")),
    h(
      "ul",
      { class: "list trace-lots" },
      ...trace.nodes.map((node) =>
        h(
          "li",
          {},
          h("div", { class: "row" }, h("strong", { class: "mono" }, node.lot_id), h("span", {}, app.kg(node.quantity_kg))),
          h("div", { class: "muted" }, `${t(`product_${node.product}`)}${node.grade ? ` ${node.grade}` : ""} · ${t(`status_${node.status}`)}`),
        ),
      ),
    ),
    trace.shipments.length ? h("h2", {}, t("farmer_shipments")) : null,
    trace.shipments.length
      ? h(
          "ul",
          { class: "list trace-shipments" },
          ...trace.shipments.map((sh) => h("li", {}, t("farmer_shipment", { no: sh.container_no, port: sh.port_of_loading, country: sh.destination_country, day: app.day(sh.shipped_on) }))),
        )
      : null,
    trace.labels.length ? h("h2", {}, t("farmer_labels")) : null,
    trace.labels.length
      ? h(
          "p",
          {},
          t("farmer_label_count", { n: trace.labels.length }),
          " ",
          h("a", { href: trace.labels[0].uri, rel: "noopener" }, trace.labels[0].uri),
        )
      : null,
  );
}

export const screens = [
  { id: "harvest", label: "farmer_harvest_tab", render: harvestScreen },
  { id: "farms", label: "farmer_farms_tab", render: farmsScreen },
  { id: "lots", label: "farmer_lots_tab", render: lotsScreen },
];
