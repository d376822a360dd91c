// The app's shell (SPEC §6.6): sign-in with the party's API key (kept on this device, never in a
// URL), the role's screens as tabs, a hash router (#/screen?k=v), the language switch, and the
// service worker that lets the app open with no connection.
//
// Each role is a module in ./roles/ exporting `strings` ({vi, en}) and `screens`:
//   [{ id: "harvest", label: "harvest_tab", render: async (el, app) => { ... } }]
// `render` fills `el`; `app` is the context below (api, t, errorText, go, params, party…).

import { api, ApiError, forgetKey, newIdempotencyKey, saveKey, savedKey } from "./api.js";
import { addStrings, day, errorText, kg, lang, setLang, t, todayInVietnam } from "./i18n.js";
import { h, problem } from "./ui.js";
import * as farmer from "./roles/farmer.js";
import * as processor from "./roles/processor.js";
import * as trader from "./roles/trader.js";
import * as regulator from "./roles/regulator.js";

const ROLES = { farmer, processor, trader, regulator };

addStrings({
  vi: {
    brand: "Truy xuất điều",
    loading: "Đang tải…",
    sign_in: "Đăng nhập",
    sign_in_intro: "Dán khoá API mà hợp tác xã, nhà máy hoặc Sở đã cấp cho bạn. Khoá chỉ được lưu trên máy này.",
    api_key: "Khoá API",
    sign_out: "Đăng xuất",
    switch_lang: "English",
    offline_banner: "Đang ngoại tuyến",
    role_farmer: "Nông hộ",
    role_processor: "Nhà chế biến",
    role_trader: "Thương nhân",
    role_regulator: "Cơ quan quản lý",
    wrong_key: "Khoá này không mở được tài khoản nào.",
  },
  en: {
    brand: "Cashew traceability",
    loading: "Loading…",
    sign_in: "Sign in",
    sign_in_intro: "Paste the API key your cooperative, factory or department gave you. It is kept on this device only.",
    api_key: "API key",
    sign_out: "Sign out",
    switch_lang: "Tiếng Việt",
    offline_banner: "Offline",
    role_farmer: "Farmer",
    role_processor: "Processor",
    role_trader: "Trader",
    role_regulator: "Regulator",
    wrong_key: "This key opens no account.",
  },
});
for (const role of Object.values(ROLES)) addStrings(role.strings);

const main = document.getElementById("main");
const tabs = document.getElementById("tabs");
const toastEl = document.getElementById("toast");
let toastTimer;

export const app = {
  party: null,
  api,
  ApiError,
  newIdempotencyKey,
  t: (key, vars) => t(key, vars),
  errorText,
  kg,
  day,
  todayInVietnam,
  h,
  get lang() {
    return lang;
  },
  get online() {
    return navigator.onLine;
  },
  params: new URLSearchParams(),
  go(screen, params = {}) {
    const query = new URLSearchParams(params).toString();
    location.hash = `#/${screen}${query ? `?${query}` : ""}`;
  },
  toast(text) {
    toastEl.textContent = text;
    toastEl.classList.add("shown");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => toastEl.classList.remove("shown"), 4000);
  },
  refresh() {
    return route();
  },
};

function chrome() {
  document.documentElement.lang = lang;
  document.title = t("brand");
  document.getElementById("brand").textContent = t("brand");
  const who = document.getElementById("who");
  who.textContent = app.party ? `${app.party.name} · ${t(`role_${app.party.role}`)}` : "";
  document.body.classList.toggle("offline", !navigator.onLine);
  document.querySelector(".bar").dataset.offline = t("offline_banner");
  const langButton = document.getElementById("lang");
  langButton.textContent = t("switch_lang");
}

function screensOf(party) {
  return party ? (ROLES[party.role] || { screens: [] }).screens : [];
}

function drawTabs(current) {
  tabs.replaceChildren(
    ...screensOf(app.party).map((screen) =>
      h("a", { href: `#/${screen.id}`, class: screen.id === current ? "tab current" : "tab", "aria-current": screen.id === current ? "page" : null }, t(screen.label)),
    ),
    app.party ? h("button", { type: "button", class: "tab signout", onclick: signOut }, t("sign_out")) : null,
  );
}

async function signIn(event) {
  event.preventDefault();
  const key = new FormData(event.target).get("key").trim();
  const box = event.target.querySelector(".answer");
  try {
    app.party = await api("/api/v1/parties/me", { key });
  } catch (err) {
    box.replaceChildren(problem(err.status === 401 ? t("wrong_key") : errorText(err)));
    return;
  }
  saveKey(key);
  localStorage.setItem("cashew.party", JSON.stringify(app.party));
  location.hash = "#/";
  await route();
}

// A role may keep work on the device (the farmer's outbox): its `beforeSignOut(app)` may ask
// and refuse.
async function signOut() {
  const role = app.party && ROLES[app.party.role];
  if (role && role.beforeSignOut && !(await role.beforeSignOut(app))) return;
  forgetKey();
  localStorage.removeItem("cashew.party");
  app.party = null;
  location.hash = "#/";
  route();
}

function signInScreen() {
  drawTabs(null);
  main.replaceChildren(
    h(
      "form",
      { class: "card signin", onsubmit: signIn },
      h("h1", {}, t("sign_in")),
      h("p", { class: "muted" }, t("sign_in_intro")),
      h("label", { class: "field" }, h("span", { class: "label" }, t("api_key")), h("input", { name: "key", type: "password", autocomplete: "current-password", required: true, spellcheck: "false" })),
      h("button", { type: "submit", class: "primary" }, t("sign_in")),
      h("div", { class: "answer" }),
    ),
  );
}

async function whoAmI() {
  if (app.party || !savedKey()) return app.party;
  try {
    app.party = await api("/api/v1/parties/me");
    localStorage.setItem("cashew.party", JSON.stringify(app.party));
  } catch (err) {
    if (err.status === 401) {
      forgetKey();
      return null;
    }
    // Offline: the party seen last on this device, so that the farmer's screens still open.
    const kept = localStorage.getItem("cashew.party");
    app.party = kept ? JSON.parse(kept) : null;
  }
  return app.party;
}

async function route() {
  await whoAmI();
  chrome();
  if (!app.party) return signInScreen();
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const screens = screensOf(app.party);
  const screen = screens.find((s) => s.id === path) || screens[0];
  app.params = new URLSearchParams(query || "");
  drawTabs(screen && screen.id);
  const el = h("section", { class: "screen", "data-screen": screen ? screen.id : "" });
  main.replaceChildren(el);
  if (!screen) return;
  try {
    await screen.render(el, app);
  } catch (err) {
    el.append(problem(err instanceof ApiError ? errorText(err) : String(err)));
  }
}

document.getElementById("lang").addEventListener("click", () => {
  setLang(lang === "vi" ? "en" : "vi");
  route();
});
window.addEventListener("hashchange", route);
window.addEventListener("online", () => {
  chrome();
  window.dispatchEvent(new Event("cashew:online"));
});
window.addEventListener("offline", chrome);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {});
}
route();
