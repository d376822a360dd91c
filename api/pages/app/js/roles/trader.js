// The trader's screens (SPEC §6.6): my listings, offers received (accept, reject), shipments.
// See main.js for the contract.

import * as desk from "./desk.js";

export const strings = {
  vi: {
    trader_offers: "Chào mua",
    trader_listings: "Tin chào bán",
    trader_shipments: "Lô hàng xuất",
    trader_offers_title: "Chào mua đang chờ trả lời",
    trader_offers_none: "Không có chào mua nào đang chờ.",
    trader_offer_of: "{buyer} mua {kg} giá {price}",
    trader_on_listing: "Tin {listing} · lô {lot}",
    trader_accept: "Chấp nhận",
    trader_reject: "Từ chối",
    trader_accepted: "Đã chấp nhận: hợp đồng {contract}, {kg} được gửi cho bên mua.",
    trader_rejected: "Đã từ chối chào mua {id}.",
    trader_listings_title: "Tin chào bán của tôi",
    trader_listings_none: "Bạn chưa có tin chào bán nào đang mở.",
    trader_remaining: "còn {kg} / {total}",
    trader_price: "{price} {currency}/{unit} · {incoterm} {port}",
    trader_contracts: "Hợp đồng",
    trader_contracts_none: "Chưa có hợp đồng nào.",
    trader_contract: "{kg} · {price} {currency}/{unit} · lô {lot}",
    trader_shipments_title: "Lô hàng đã xuất",
    trader_shipments_none: "Chưa có lô hàng xuất nào.",
    trader_shipment: "{container} · {port} → {country}",
    trader_shipment_lots: "{n} lô: {lots}",
  },
  en: {
    trader_offers: "Offers",
    trader_listings: "Listings",
    trader_shipments: "Shipments",
    trader_offers_title: "Offers waiting for an answer",
    trader_offers_none: "No offer is waiting.",
    trader_offer_of: "{buyer} buys {kg} at {price}",
    trader_on_listing: "Listing {listing} · lot {lot}",
    trader_accept: "Accept",
    trader_reject: "Reject",
    trader_accepted: "Accepted: contract {contract}, {kg} dispatched to the buyer.",
    trader_rejected: "Offer {id} rejected.",
    trader_listings_title: "My listings",
    trader_listings_none: "You have no open listing.",
    trader_remaining: "{kg} left of {total}",
    trader_price: "{price} {currency}/{unit} · {incoterm} {port}",
    trader_contracts: "Contracts",
    trader_contracts_none: "No contract yet.",
    trader_contract: "{kg} · {price} {currency}/{unit} · lot {lot}",
    trader_shipments_title: "Shipments",
    trader_shipments_none: "No shipment yet.",
    trader_shipment: "{container} · {port} → {country}",
    trader_shipment_lots: "{n} lots: {lots}",
  },
};

// My open listings: the exchange lists every seller's, so keep mine (by `seller_id`).
async function myListings(app) {
  const mine = [];
  let cursor = null;
  do {
    const page = await app.api(`/api/v1/listings?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    mine.push(...page.items.filter((listing) => listing.seller_id === app.party.id));
    cursor = page.next_cursor;
  } while (cursor);
  return mine;
}

function offerItem(app, offer, listing) {
  const { h, t } = app;
  const box = h("div", { class: "answer" });
  const price = listing ? `${offer.price} ${listing.currency}/${listing.unit}` : offer.price;
  const answer = (verb, done) => {
    const send = desk.writer(app);
    return desk.onSubmit(app, box, async () => {
      const read = await send(`/api/v1/offers/${offer.id}/${verb}`, undefined);
      item.replaceWith(h("li", { class: "offer done", "data-offer": offer.id }, h("p", { class: "ok", role: "status" }, done(read))));
    });
  };
  const item = h(
    "li",
    { class: "offer", "data-offer": offer.id },
    h("div", { class: "row" }, h("strong", {}, t("trader_offer_of", { buyer: offer.buyer_id, kg: app.kg(offer.quantity_kg), price }))),
    h("p", { class: "muted" }, t("trader_on_listing", { listing: offer.listing_id, lot: listing ? listing.lot_id : "–" })),
    h(
      "div",
      { class: "actions" },
      h("form", { onsubmit: answer("accept", (r) => t("trader_accepted", { contract: r.contract.id, kg: app.kg(r.contract.quantity_kg) })) }, h("button", { type: "submit", class: "primary" }, t("trader_accept"))),
      h("form", { onsubmit: answer("reject", (r) => t("trader_rejected", { id: r.id })) }, h("button", { type: "submit", class: "secondary" }, t("trader_reject"))),
    ),
    box,
  );
  return item;
}

async function offers(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("trader_offers_title")));
  const listings = Object.fromEntries((await myListings(app)).map((l) => [l.id, l]));
  const list = h("ul", { class: "list offers" });
  el.append(list);
  await desk.paged(app, list, "/api/v1/offers?side=seller&status=pending", (o) => offerItem(app, o, listings[o.listing_id]), t("trader_offers_none"));
}

async function listings(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("trader_listings_title")));
  const mine = await myListings(app);
  el.append(
    mine.length
      ? h(
          "ul",
          { class: "list listings" },
          mine.map((l) =>
            h(
              "li",
              { "data-listing": l.id },
              h("div", { class: "row" }, h("strong", { class: "mono" }, l.lot_id), h("span", { class: "tag" }, `${l.product}${l.grade ? ` ${l.grade}` : ""}`)),
              h("p", {}, t("trader_price", l)),
              h("p", { class: "muted" }, t("trader_remaining", { kg: app.kg(l.remaining_kg), total: app.kg(l.quantity_kg) }), l.outturn_lbs ? ` · outturn ${l.outturn_lbs} lbs` : ""),
            ),
          ),
        )
      : h("p", { class: "muted empty" }, t("trader_listings_none")),
    h("h2", {}, t("trader_contracts")),
  );
  const contracts = h("ul", { class: "list contracts" });
  el.append(contracts);
  await desk.paged(app, contracts, "/api/v1/contracts", (c) => h("li", { "data-contract": c.id }, h("div", { class: "row" }, h("strong", { class: "mono" }, c.id), h("span", { class: "tag" }, c.seller_id === app.party.id ? t("trader_listings") : t("trader_offers"))), h("p", { class: "muted" }, t("trader_contract", { ...c, kg: app.kg(c.quantity_kg), lot: c.lot_id }))), t("trader_contracts_none"));
}

async function shipments(el, app) {
  const { h, t } = app;
  el.append(h("h1", {}, t("trader_shipments_title")));
  const list = h("ul", { class: "list shipments" });
  el.append(list);
  await desk.paged(
    app,
    list,
    "/api/v1/shipments",
    (s) =>
      h(
        "li",
        { "data-shipment": s.id },
        h("div", { class: "row" }, h("strong", {}, t("trader_shipment", { container: s.container_no, port: s.port_of_loading, country: s.destination_country_name })), h("span", { class: "tag" }, app.day(s.shipped_on))),
        h("p", { class: "muted mono" }, t("trader_shipment_lots", { n: s.lot_ids.length, lots: s.lot_ids.join(", ") })),
      ),
    t("trader_shipments_none"),
  );
}

export const screens = [
  { id: "offers", label: "trader_offers", render: offers },
  { id: "listings", label: "trader_listings", render: listings },
  { id: "shipments", label: "trader_shipments", render: shipments },
];
