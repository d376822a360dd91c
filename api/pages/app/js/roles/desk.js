// What the processor's, trader's and regulator's screens share: writes that keep their
// Idempotency-Key for retries of the same form, decimal numbers as the server reads them,
// lists that follow the API's cursor, warnings and refusals in words, and file downloads.

import { ERRORS } from "../i18n.js";
import { h } from "../ui.js";

Object.assign(ERRORS.vi, {
  already_acknowledged: "Cảnh báo này đã được xác nhận.",
  already_received: "Lô này đã được nhận.",
  invalid_grade: "Hạng nhân không đúng (theo AFI/TCVN 4850).",
  impossible_quality_test: "Kết quả cắt thử không thể có: kiểm tra lại số cân và số hạt.",
  not_raw_nuts: "Chỉ cắt thử được lô hạt điều thô.",
  yield_impossible: "Lượng nhân nhiều hơn số hạt thô này có thể cho (theo outturn đã đo).",
  no_gs1_prefix: "Doanh nghiệp chưa có mã doanh nghiệp GS1: chưa in được nhãn.",
  no_lots: "Chưa chọn lô nào để in nhãn.",
  offer_accepted: "Chào giá này đã được chấp nhận.",
  offer_rejected: "Chào giá này đã bị từ chối.",
  offer_withdrawn: "Chào giá này đã bị rút.",
  listing_not_open: "Tin chào bán này không còn mở.",
  more_than_listed: "Khối lượng lớn hơn lượng còn chào bán.",
  idempotency_key_reused: "Yêu cầu này đã được gửi với nội dung khác: tải lại trang rồi thử lại.",
});

export const strings = {
  vi: {
    desk_more: "Xem thêm",
    desk_warn_transit_loss: "Hao hụt khi vận chuyển vượt 2 %: Sở được thông báo.",
    desk_warn_suspicious_outturn: "Outturn bất thường (thường 43–55 lbs): kiểm tra lại mẫu.",
    desk_warn_small_nuts: "Hạt nhỏ: hơn 220 hạt/kg.",
    desk_warn_wet_nuts: "Hạt ẩm: độ ẩm trên 10 %, cần phơi trước khi nhập kho.",
    desk_warn_batch_yield_high: "Tỷ lệ nhân cao bất thường (ngoài 21–29 %): Sở được thông báo.",
    desk_warn_batch_yield_low: "Tỷ lệ nhân thấp bất thường (ngoài 21–29 %): Sở được thông báo.",
    desk_sending: "Đang gửi…",
  },
  en: {
    desk_more: "Show more",
    desk_warn_transit_loss: "Transit loss above 2 %: the regulator is told.",
    desk_warn_suspicious_outturn: "Unusual outturn (most origins give 43–55 lbs): check the sample.",
    desk_warn_small_nuts: "Small nuts: more than 220 nuts per kg.",
    desk_warn_wet_nuts: "Wet nuts: moisture above 10 %, dry them before storage.",
    desk_warn_batch_yield_high: "Kernel yield unusually high (outside 21–29 %): the regulator is told.",
    desk_warn_batch_yield_low: "Kernel yield unusually low (outside 21–29 %): the regulator is told.",
    desk_sending: "Sending…",
  },
};

// A write that sends the same Idempotency-Key again while the same request is retried (a lost
// answer, a second tap), and a new one once it succeeded or the form says something else.
export function writer(app) {
  let last = null;
  return async (path, body) => {
    const text = JSON.stringify([path, body]);
    if (!last || last.text !== text) last = { text, key: app.newIdempotencyKey() };
    const answer = await app.api(path, { method: "POST", body, idempotencyKey: last.key });
    last = null;
    return answer;
  };
}

// Submit a form through `send`, the button disabled meanwhile; refusals go into `box` in words.
export function onSubmit(app, box, send) {
  return async (event) => {
    event.preventDefault();
    const button = event.target.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    box.replaceChildren(app.h("p", { class: "muted" }, app.t("desk_sending")));
    try {
      await send(event.target);
    } catch (err) {
      box.replaceChildren(app.h("p", { class: "problem", role: "alert" }, app.errorText(err)));
    } finally {
      if (button) button.disabled = false;
    }
  };
}

// The server's warnings ("code: sentence") in our words where the code is known.
export function warningText(app, warning) {
  const code = String(warning).split(":")[0];
  const key = `desk_warn_${code}`;
  const known = app.t(key);
  return known === key ? String(warning) : known;
}

export function warnings(app, list) {
  return (list || []).map((w) => app.h("p", { class: "warning", role: "status" }, warningText(app, w)));
}

// A decimal as typed (a comma or a point), as the exact integer `c` × 10^`e`; null if not a number.
export function decimal(text) {
  const clean = String(text ?? "").trim().replace(",", ".");
  const match = /^(\d*)(?:\.(\d*))?$/.exec(clean);
  if (!match || (match[1] === "" && !match[2])) return null;
  const frac = match[2] || "";
  return { c: BigInt((match[1] || "0") + frac), e: -frac.length };
}

// A number from a field, or NaN (a comma is the Vietnamese decimal mark).
export function number(text) {
  const value = decimal(text);
  return value === null ? NaN : Number(String(text).trim().replace(",", "."));
}

// Fill `list` with `path`'s items, oldest first as the API gives them, following `next_cursor`
// with a "show more" button; `item` draws one.
export async function paged(app, list, path, item, emptyText) {
  const more = app.h("button", { type: "button", class: "secondary more" }, app.t("desk_more"));
  const load = async (cursor) => {
    const sep = path.includes("?") ? "&" : "?";
    const page = await app.api(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    list.append(...page.items.map(item));
    more.remove();
    if (page.next_cursor) {
      more.onclick = () => load(page.next_cursor).catch((err) => list.after(app.h("p", { class: "problem", role: "alert" }, app.errorText(err))));
      list.after(more);
    }
    if (!list.children.length) list.replaceWith(app.h("p", { class: "muted empty" }, emptyText));
    return page.items;
  };
  return load(null);
}

// Save an API file (a PDF) sent with the key in the Authorization header, through a blob URL.
export async function download(app, path, filename) {
  const response = await app.api(path, { raw: true, method: "GET" });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = app.h("a", { href: url, download: filename, class: "hidden" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return blob;
}

// A number field (a decimal keypad on phones); `attrs` add its name, step, required…
export function numberInput(attrs) {
  return h("input", { type: "number", inputmode: "decimal", min: "0", ...attrs });
}

// "2026-06-27T03:00:00Z" as the day in the page's words.
export function when(app, iso) {
  return iso ? app.day(new Date(new Date(iso).getTime() + 7 * 3600 * 1000).toISOString()) : "";
}
