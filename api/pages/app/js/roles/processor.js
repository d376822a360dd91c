// The processor's screens (SPEC §6.6). See main.js for the contract: strings, screens, render(el, app).

export const strings = { vi: { processor_home: "Trang chính" }, en: { processor_home: "Home" } };

export const screens = [
  {
    id: "home",
    label: "processor_home",
    render: async (el, app) => {
      el.append(app.h("h1", {}, app.party.name));
    },
  },
];
