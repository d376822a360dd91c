// Strings in Vietnamese (the default) and English. Each part of the app adds its own with
// `addStrings`; `t(key, vars)` formats "{name}" placeholders. Errors are shown as the API's
// `detail` sentence, or as our own words for the codes we know (ERRORS), in the page's language.

const LANG = "cashew.lang";
const strings = { vi: {}, en: {} };

export const ERRORS = {
  vi: {
    offline: "Không có kết nối. Kiểm tra mạng rồi thử lại.",
    unauthorized: "Khoá API không đúng hoặc đã bị thu hồi.",
    forbidden: "Bạn không có quyền làm việc này.",
    not_found: "Không tìm thấy.",
    invalid_input: "Thông tin chưa đúng: {detail}",
    lot_recalled: "Lô này đã bị thu hồi: không được chuyển, chế biến, bán hay xuất.",
    lot_not_held: "Lô này không còn trong kho của bạn (đang vận chuyển hoặc đã dùng hết).",
    more_than_held: "Khối lượng lớn hơn lượng lô đang có.",
    mass_balance_violation: "Khối lượng đầu ra lớn hơn đầu vào: kiểm tra lại các số cân.",
    season_yield_impossible: "Sản lượng vượt 4 tấn/ha trong vụ: kiểm tra lại số kg hoặc diện tích vườn.",
    moisture_out_of_range: "Độ ẩm nằm ngoài khoảng hợp lý: đo lại.",
    date_in_future: "Ngày không được ở tương lai.",
    received_more_than_sent: "Khối lượng nhận lớn hơn khối lượng gửi: cân lại.",
  },
  en: {
    offline: "No connection. Check the network and try again.",
  },
};

export let lang = localStorage.getItem(LANG) || "vi";

export function setLang(value) {
  lang = value === "en" ? "en" : "vi";
  localStorage.setItem(LANG, lang);
  document.documentElement.lang = lang;
}

export function addStrings(more) {
  for (const code of ["vi", "en"]) Object.assign(strings[code], (more && more[code]) || {});
}

export function t(key, vars = {}) {
  const text = strings[lang][key] ?? strings.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// The sentence to show for an ApiError: ours for a known code in Vietnamese (the server's
// sentences are English), else the server's `detail`.
export function errorText(err) {
  const known = ERRORS[lang][err.code];
  if (known) return known.replace("{detail}", err.detail || "");
  return err.detail || err.message || String(err);
}

export function kg(value) {
  const n = Number(value);
  const text = n.toLocaleString(lang === "vi" ? "vi-VN" : "en-GB", { maximumFractionDigits: 3 });
  return `${text}\u00a0kg`;
}

export function day(iso) {
  if (!iso) return "";
  const [y, m, d] = String(iso).slice(0, 10).split("-");
  return lang === "vi" ? `${d}/${m}/${y}` : `${Number(d)} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(m) - 1]} ${y}`;
}

// Today's date in Vietnam (UTC+7), as the API's dates are: YYYY-MM-DD.
export function todayInVietnam() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}
