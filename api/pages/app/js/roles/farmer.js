// The farmer's screens (SPEC §6.6). See main.js for the contract: strings, screens, render(el, app).

export const strings = { vi: { farmer_home: "Trang chính" }, en: { farmer_home: "Home" } };

export const screens = [
  {
    id: "home",
    label: "farmer_home",
    render: async (el, app) => {
      el.append(app.h("h1", {}, app.party.name));
    },
  },
];
