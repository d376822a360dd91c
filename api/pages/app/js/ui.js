// Small DOM helpers: no framework, no innerHTML with data (text is always text).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) el.setAttribute(name, String(value));
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

// A labelled form field; `input` is the control element (its `name` is the body's key).
export function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), input, hint ? h("span", { class: "hint" }, hint) : null);
}

// A message box for a refusal or an error (role="alert": screen readers say it at once).
export function problem(text) {
  return h("p", { class: "problem", role: "alert" }, text);
}

export function empty(text) {
  return h("p", { class: "muted empty" }, text);
}

// Form values as an object (numbers stay strings: the screens convert what they send).
export function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}
