"""The buyer's page as a GS1-conformant resolver (SPEC §7): HEAD as GET, the Link header, the
RFC 9264 linkset, linkType redirects, the resolver description, 400 for a GTIN that is not one."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.test_buyer_page import batch, farm, gtin, harvest
from tests.factories import BU_DANG, deliver, make_party
from traceability.buyer.cache import pages_for

BASE = "http://testserver"
VOC = "https://gs1.org/voc/"
LINKSET = "application/linkset+json"
VIETGAP = [{"scheme": "vietgap", "certificate_no": "VG-1", "valid_from": "2025-01-01", "valid_to": "2027-12-31"}]
UNKNOWN_GTIN = "08935412999999"  # a valid check digit, no such product
BAD_CHECK_DIGIT = "08935412999994"


@dataclass
class Lot:
    gtin: str
    lot_id: str

    @property
    def path(self) -> str:
        return f"/01/{self.gtin}/10/{self.lot_id}"

    @property
    def uri(self) -> str:
        return BASE + self.path


def _kernel_lot(client: TestClient, engine: Engine, prefix: str, **farm_extra: Any) -> Lot:
    processor = make_party(client, role="processor", gs1_company_prefix=prefix)
    farmer = make_party(client)
    farm_id = farm(client, farmer, "Vườn điều", "bu-dang", BU_DANG, **farm_extra)
    lot_id = harvest(client, farmer, farm_id, "2026-03-01", 1000)
    deliver(client, farmer, processor, lot_id, 1000)
    return Lot(gtin(engine, processor), batch(client, processor, [(lot_id, 1000)], 250))


@pytest.fixture
def plain(client: TestClient, engine: Engine) -> Lot:
    """A W320 lot claiming no certification."""
    return _kernel_lot(client, engine, "8935421")


@pytest.fixture
def certified(client: TestClient, engine: Engine) -> Lot:
    """A W320 lot whose only farm is VietGAP certified, so the lot keeps the claim."""
    return _kernel_lot(client, engine, "8935422", certifications=VIETGAP)


def get(client: TestClient, path: str, **kwargs: Any) -> Any:
    return client.get(path, follow_redirects=False, **kwargs)


def linkset_of(client: TestClient, lot: Lot) -> dict[str, Any]:
    response = get(client, lot.path, params={"linkType": "all"})
    assert response.status_code == 200 and response.headers["content-type"] == LINKSET
    sets: list[dict[str, Any]] = response.json()["linkset"]
    assert len(sets) == 1
    return sets[0]


def link_values(header: str) -> list[tuple[str, dict[str, str]]]:
    """An RFC 8288 header as (target, params) pairs (no commas inside our targets or params)."""
    found = []
    for value in header.split(", <"):
        target, *params = value.split("; ")
        pairs = dict(p.split("=", 1) for p in params)
        found.append((target.strip("<>"), {k: v.strip('"') for k, v in pairs.items()}))
    return found


def rels(header: str) -> list[str]:
    return [params["rel"] for _, params in link_values(header)]


class TestHead:
    @pytest.mark.parametrize(
        ("params", "headers"),
        [
            ({}, {}),
            ({"lang": "en"}, {}),
            ({}, {"Accept": "application/json"}),
            ({"linkType": "all"}, {}),
            ({}, {"Accept": LINKSET}),
        ],
    )
    def test_the_page_and_the_linkset(
        self, client: TestClient, plain: Lot, params: dict[str, str], headers: dict[str, str]
    ) -> None:
        got = get(client, plain.path, params=params, headers=headers)
        head = client.head(plain.path, params=params, headers=headers)
        assert got.status_code == head.status_code == 200 and got.content
        assert head.content == b""
        assert dict(head.headers) == dict(got.headers)

    @pytest.mark.parametrize(("gtin_", "status"), [(UNKNOWN_GTIN, 404), (BAD_CHECK_DIGIT, 400), ("not-a-gtin", 400)])
    @pytest.mark.parametrize("accept", ["text/html", "application/json"])
    def test_the_error_pages(self, client: TestClient, plain: Lot, gtin_: str, status: int, accept: str) -> None:
        path = f"/01/{gtin_}/10/{plain.lot_id}"
        got, head = get(client, path, headers={"Accept": accept}), client.head(path, headers={"Accept": accept})
        assert got.status_code == head.status_code == status and got.content and head.content == b""
        assert dict(head.headers) == dict(got.headers)

    def test_a_redirect(self, client: TestClient, plain: Lot) -> None:
        got = get(client, plain.path, params={"linkType": "gs1:traceability"})
        head = client.head(plain.path, params={"linkType": "gs1:traceability"}, follow_redirects=False)
        assert got.status_code == head.status_code == 307 and dict(head.headers) == dict(got.headers)

    def test_the_resolver_description(self, client: TestClient) -> None:
        got, head = client.get("/.well-known/gs1resolver"), client.head("/.well-known/gs1resolver")
        assert got.status_code == head.status_code == 200 and head.content == b""
        assert dict(head.headers) == dict(got.headers)


class TestLinkHeader:
    def test_the_page_lists_the_lots_link_types(self, client: TestClient, plain: Lot) -> None:
        header = get(client, plain.path).headers["link"]
        values = link_values(header)
        assert rels(header) == ["gs1:pip", "gs1:pip", "gs1:traceability", "gs1:epcis", "linkset", "describedby"]
        pip = [(target, params["hreflang"], params["type"]) for target, params in values if params["rel"] == "gs1:pip"]
        assert pip == [(f"{plain.uri}?lang=vi", "vi", "text/html"), (f"{plain.uri}?lang=en", "en", "text/html")]
        linkset = next(t for t, p in values if p["rel"] == "linkset")
        assert linkset == f"{plain.uri}?linkType=all"
        assert next(t for t, p in values if p["rel"] == "describedby") == f"{BASE}/.well-known/gs1resolver"
        assert len(header) < 2000  # well within what proxies and servers accept for one header

    def test_a_certified_lot_has_certification_info(self, client: TestClient, certified: Lot) -> None:
        header = get(client, certified.path).headers["link"]
        assert rels(header).count("gs1:certificationInfo") == 2
        assert (f"{certified.uri}?lang=en#certifications", "en") in [
            (t, p.get("hreflang")) for t, p in link_values(header) if p["rel"] == "gs1:certificationInfo"
        ]

    def test_every_kind_of_answer_carries_it(self, client: TestClient, plain: Lot) -> None:
        page = get(client, plain.path).headers["link"]
        for params, headers in (
            ({}, {"Accept": "application/json"}),
            ({"lang": "en"}, {}),
            ({"linkType": "all"}, {}),
            ({"linkType": "gs1:epcis"}, {}),
            ({"linkType": "gs1:nutritionInfo"}, {}),
        ):
            assert get(client, plain.path, params=params, headers=headers).headers["link"] == page, params
        for gtin_, status in ((UNKNOWN_GTIN, 404), (BAD_CHECK_DIGIT, 400)):
            response = get(client, f"/01/{gtin_}/10/{plain.lot_id}")
            assert response.status_code == status
            assert rels(response.headers["link"]) == ["describedby"]

    def test_a_not_modified_answer_carries_it_too(self, client: TestClient, plain: Lot) -> None:
        first = get(client, plain.path, params={"linkType": "all"})
        again = get(client, plain.path, params={"linkType": "all"}, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.headers["link"] == first.headers["link"]


class TestLinkset:
    def test_its_shape_and_link_types(self, client: TestClient, plain: Lot) -> None:
        context = linkset_of(client, plain)
        assert context["anchor"] == plain.uri
        assert set(context) == {"anchor", "description", f"{VOC}pip", f"{VOC}traceability", f"{VOC}epcis"}
        assert context[f"{VOC}pip"] == [
            {
                "href": f"{plain.uri}?lang=vi",
                "title": "Trang thông tin sản phẩm",
                "type": "text/html",
                "hreflang": ["vi"],
            },
            {
                "href": f"{plain.uri}?lang=en",
                "title": "Product information page",
                "type": "text/html",
                "hreflang": ["en"],
            },
        ]
        [bundle] = context[f"{VOC}traceability"]
        assert bundle["href"] == f"{BASE}/api/v1/lots/{plain.lot_id}/provenance"
        assert bundle["type"] == "application/json" and bundle["title"]
        [epcis] = context[f"{VOC}epcis"]
        assert epcis["href"] == f"{BASE}/epcis/events?MATCH_anyEPCClass={quote(plain.uri, safe='')}"
        assert "%2F01%2F" in epcis["href"] and epcis["type"] == "application/ld+json"

    def test_a_certified_lot(self, client: TestClient, certified: Lot) -> None:
        context = linkset_of(client, certified)
        assert [(c["href"], c["hreflang"]) for c in context[f"{VOC}certificationInfo"]] == [
            (f"{certified.uri}?lang=vi#certifications", ["vi"]),
            (f"{certified.uri}?lang=en#certifications", ["en"]),
        ]
        page = get(client, certified.path, params={"lang": "en"}).text
        assert 'id="certifications"' in page  # the fragment names the page's section

    def test_asked_for_by_accept(self, client: TestClient, plain: Lot) -> None:
        by_accept = get(client, plain.path, headers={"Accept": LINKSET})
        assert by_accept.headers["content-type"] == LINKSET
        assert by_accept.json() == {"linkset": [linkset_of(client, plain)]}
        browser = get(client, plain.path, headers={"Accept": f"text/html,{LINKSET};q=0.5"})
        assert browser.headers["content-type"].startswith("text/html")

    def test_linkset_json_is_not_served_for_an_unknown_pair(self, client: TestClient, plain: Lot) -> None:
        response = get(client, f"/01/{UNKNOWN_GTIN}/10/{plain.lot_id}", params={"linkType": "all"})
        assert response.status_code == 404 and response.json()["error"] == "not_found"

    def test_a_cache_hit_computes_nothing_afresh(self, client: TestClient, engine: Engine, plain: Lot) -> None:
        pages = pages_for(engine)
        get(client, plain.path)
        misses, hits = pages.stats.misses, pages.stats.hits
        for params in ({"linkType": "all"}, {"linkType": "all"}, {"linkType": "gs1:epcis"}, {}):
            assert get(client, plain.path, params=params).headers["link"]
        assert pages.stats.misses == misses and pages.stats.hits == hits + 4


class TestLinkTypeRedirects:
    @pytest.mark.parametrize(
        ("link_type", "target"),
        [
            ("gs1:pip", "{uri}?lang=vi"),
            (f"{VOC}pip", "{uri}?lang=vi"),
            ("gs1:traceability", BASE + "/api/v1/lots/{lot_id}/provenance"),
            ("http://gs1.org/voc/traceability", BASE + "/api/v1/lots/{lot_id}/provenance"),
            ("gs1:epcis", BASE + "/epcis/events?MATCH_anyEPCClass={quoted}"),
            ("gs1:certificationInfo", "{uri}?lang=vi#certifications"),
        ],
    )
    def test_each_link_type_the_lot_has(self, client: TestClient, certified: Lot, link_type: str, target: str) -> None:
        response = get(client, certified.path, params={"linkType": link_type})
        assert response.status_code == 307
        expected = target.format(uri=certified.uri, lot_id=certified.lot_id, quoted=quote(certified.uri, safe=""))
        assert response.headers["location"] == expected
        assert "gs1:certificationInfo" in rels(response.headers["link"])

    def test_in_the_buyers_language(self, client: TestClient, certified: Lot) -> None:
        by_query = get(client, certified.path, params={"linkType": "gs1:pip", "lang": "en"})
        assert by_query.headers["location"] == f"{certified.uri}?lang=en"
        by_header = get(
            client, certified.path, params={"linkType": "gs1:certificationInfo"}, headers={"Accept-Language": "en"}
        )
        assert by_header.headers["location"] == f"{certified.uri}?lang=en#certifications"

    @pytest.mark.parametrize("link_type", ["gs1:certificationInfo", "gs1:nutritionInfo", "nonsense", ""])
    def test_one_the_lot_has_not_is_the_page(self, client: TestClient, plain: Lot, link_type: str) -> None:
        response = get(client, plain.path, params={"linkType": link_type})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        assert plain.lot_id in response.text and response.headers["content-language"] == "vi"
        as_json = get(client, plain.path, params={"linkType": link_type}, headers={"Accept": "application/json"})
        assert as_json.status_code == 200 and as_json.json()["lot_id"] == plain.lot_id

    def test_an_unknown_pair_is_not_redirected(self, client: TestClient, plain: Lot) -> None:
        response = get(client, f"/01/{plain.gtin}/10/KRN26-NOSUCHLOT", params={"linkType": "gs1:traceability"})
        assert response.status_code == 404 and "location" not in response.headers


class TestResolverDescription:
    def test_the_document(self, client: TestClient) -> None:
        response = client.get("/.well-known/gs1resolver")
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["name"] and body["resolverRoot"] == BASE
        assert body["supportedPrimaryKeys"] == ["01"]
        assert body["supportedLinkType"] == [{"namespace": VOC, "prefix": "gs1:"}]
        assert body["linkTypeDefaultCanBeLinkset"] is False

    def test_it_needs_no_key_and_takes_no_body(self, client: TestClient) -> None:
        assert client.get("/.well-known/gs1resolver", headers={"Authorization": "Bearer nope"}).status_code == 200
        assert client.post("/.well-known/gs1resolver").status_code == 405


class TestCheckDigit:
    @pytest.mark.parametrize("gtin_", [BAD_CHECK_DIGIT, "8935412999994", "12345678", "not-a-gtin", "123"])
    def test_a_gtin_that_is_not_one_is_a_400_page(self, client: TestClient, plain: Lot, gtin_: str) -> None:
        response = get(client, f"/01/{gtin_}/10/{plain.lot_id}")
        assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
        assert response.headers["content-language"] == "vi" and "Mã sản phẩm không hợp lệ" in response.text
        english = get(client, f"/01/{gtin_}/10/{plain.lot_id}", params={"lang": "en"})
        assert english.status_code == 400 and "Not a valid product code" in english.text
        body = get(client, f"/01/{gtin_}/10/{plain.lot_id}", headers={"Accept": "application/json"})
        assert body.status_code == 400 and body.json()["error"] == "invalid_gtin" and body.json()["detail"]

    def test_the_right_check_digit_of_an_unknown_pair_is_a_404(self, client: TestClient, plain: Lot) -> None:
        for gtin_, lot_id in ((UNKNOWN_GTIN, plain.lot_id), (plain.gtin, "KRN26-NOSUCHLOT")):
            response = get(client, f"/01/{gtin_}/10/{lot_id}")
            assert response.status_code == 404 and "Không tìm thấy sản phẩm" in response.text
        wrong = plain.gtin[:-1] + str((int(plain.gtin[-1]) + 1) % 10)  # the lot's own GTIN, one digit off
        assert get(client, f"/01/{wrong}/10/{plain.lot_id}").status_code == 400
        assert get(client, plain.path).status_code == 200
