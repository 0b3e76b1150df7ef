"""The JSON API for bids and offers: bearer tokens, Idempotency-Key, isolation, problem documents."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Portal, csrf

pytestmark = pytest.mark.web

ANNA = "anna@uchastnik0.ru"
BORIS = "boris@uchastnik1.ru"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_client_system_places_a_bid_with_its_token(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        placed = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=bearer(portal.token(ANNA)))
        assert placed.status_code == 201, placed.text
        assert placed.json()["kind"] == "bid"
        assert placed.json()["amount"] == "85000.00" or placed.json()["amount"] == "85000"
        view = client.get(f"/api/v1/lots/{lot}", headers=bearer(portal.token(ANNA))).json()
    assert view["i_lead"] is True
    assert view["bids"][0]["mine"] is True


def test_a_retried_bid_with_the_same_idempotency_key_returns_the_first_outcome_and_places_nothing_more(
        portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    token = portal.token(ANNA)
    with portal.client() as client:
        headers = {**bearer(token), "Idempotency-Key": "erp-order-17"}
        first = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=headers)
        again = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=headers)
        other_body = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "86000"}, headers=headers)
        view = client.get(f"/api/v1/lots/{lot}", headers=bearer(token)).json()
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["item_id"] == first.json()["item_id"]
    assert again.json()["replayed"] is True
    assert other_body.status_code == 409
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert len(view["bids"]) == 1


def test_a_bid_below_the_step_is_a_422_problem_in_russian(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=bearer(portal.token(ANNA)))
        low = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85100"}, headers=bearer(portal.token(BORIS)))
    assert low.status_code == 422
    assert low.headers["content-type"].startswith("application/problem+json")
    body = low.json()
    assert body["status"] == 422
    assert body["code"]
    assert any(ch in body["detail"] for ch in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


@pytest.mark.parametrize("body", [
    {}, {"amount": ""}, {"amount": "abc"}, {"amount": "-5"}, {"amount": "1e5"}, {"amount": "0.001"},
    {"amount": 85000}, {"amount": "85000", "extra": 1}, [], "85000", {"amount": "9" * 39},
])
def test_a_malformed_bid_is_a_4xx_problem_and_changes_nothing(portal: Portal, body: object) -> None:
    lot = portal.market.lot_ids[0]
    token = portal.token(ANNA)
    with portal.client() as client:
        answer = client.post(f"/api/v1/lots/{lot}/bids", json=body, headers=bearer(token))
        view = client.get(f"/api/v1/lots/{lot}", headers=bearer(token)).json()
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"]
    assert view["bids"] == []


def test_a_body_that_is_not_json_is_a_400_problem(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        answer = client.post(f"/api/v1/lots/{lot}/bids", content=b"\xff{not json",
                             headers={**bearer(portal.token(ANNA)), "content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "request_invalid"


def test_a_member_of_another_organisation_gets_404_for_a_lot_it_is_not_admitted_to(portal: Portal) -> None:
    """A stranger learns nothing: exactly the answer a lot that does not exist gets."""
    from omk_domain.app.identity import RegisterOrganization
    from tests.contract.builders import STAFF, inn

    stranger = portal.services.bus.handle(RegisterOrganization(name="ООО Чужие", inn=inn(55)), STAFF)
    portal.add_person("chuzhoy@chuzhie.ru", stranger.id)
    lot = portal.market.lot_ids[0]
    token = portal.token("chuzhoy@chuzhie.ru")
    with portal.client() as client:
        seen = client.get(f"/api/v1/lots/{lot}", headers=bearer(token))
        missing = client.get("/api/v1/lots/no-such-lot", headers=bearer(token))
        bid = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=bearer(token))
        missing_bid = client.post("/api/v1/lots/no-such-lot/bids", json={"amount": "85000"}, headers=bearer(token))
        auctions = client.get("/api/v1/auctions", headers=bearer(token)).json()
    assert seen.status_code == missing.status_code == 404
    assert bid.status_code == missing_bid.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k not in ("instance", "context")}  # noqa: E731
    assert strip(seen.json()) == strip(missing.json())
    assert strip(bid.json()) == strip(missing_bid.json())
    assert auctions["items"] == []
    assert auctions["total"] == 0


def test_an_unknown_or_malformed_token_is_a_401_problem(portal: Portal) -> None:
    with portal.client() as client:
        unknown = client.get("/api/v1/me", headers=bearer("omk_nonsense"))
        malformed = client.get("/api/v1/me", headers={"authorization": "Basic YWJjOmRlZg=="})
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "token_invalid"
    assert malformed.status_code == 401
    assert malformed.headers["www-authenticate"].startswith("Bearer")


def test_the_session_works_for_the_api_and_unsafe_requests_need_the_csrf_header(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        me = client.get("/api/v1/me").json()
        without = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"})
        with_header = client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=csrf(client))
    assert me["email"] == ANNA
    assert me["organization_name"] == "ООО Участник 0"
    assert without.status_code == 403
    assert with_header.status_code == 201


def test_offers_are_submitted_edited_and_withdrawn_and_never_shown_to_others(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    anna, boris = portal.token(ANNA), portal.token(BORIS)
    with portal.client() as client:
        offer = client.post(f"/api/v1/lots/{lot}/offers", json={"amount": "80000"}, headers=bearer(anna))
        assert offer.status_code == 201, offer.text
        offer_id = offer.json()["item_id"]
        edited = client.put(f"/api/v1/lots/{lot}/offers/{offer_id}", json={"amount": "81000"}, headers=bearer(anna))
        assert edited.status_code == 200, edited.text
        mine = client.get(f"/api/v1/lots/{lot}", headers=bearer(anna)).json()
        theirs = client.get(f"/api/v1/lots/{lot}", headers=bearer(boris)).json()
        assert mine["my_offer"]["amount"] in ("81000", "81000.00")
        assert theirs["my_offer"] is None
        assert "81000" not in str(theirs)
        stolen = client.delete(f"/api/v1/lots/{lot}/offers/{mine['my_offer']['offer_id']}", headers=bearer(boris))
        assert stolen.status_code == 404
        withdrawn = client.delete(f"/api/v1/lots/{lot}/offers/{mine['my_offer']['offer_id']}", headers=bearer(anna))
        assert withdrawn.status_code == 200, withdrawn.text


def test_lists_are_paged_with_a_total(portal: Portal) -> None:
    with portal.client() as client:
        page = client.get("/api/v1/auctions?limit=1&offset=0", headers=bearer(portal.token(ANNA))).json()
        bad = client.get("/api/v1/auctions?limit=0", headers=bearer(portal.token(ANNA)))
    assert page["total"] == 1
    assert page["limit"] == 1
    assert len(page["items"]) == 1
    assert bad.status_code == 400


def test_the_openapi_document_and_its_ui_are_served_by_the_app_itself(portal: Portal) -> None:
    with portal.client() as client:
        document = client.get("/schema/openapi.json").json()
        ui = client.get("/schema")
        script = client.get("/schema-assets/swagger-ui-bundle.js")
    ops = {op.get("operationId") for path in document["paths"].values() for op in path.values()
           if isinstance(op, dict)}
    assert {"placeBid", "submitOffer", "editOffer", "withdrawOffer", "viewLot", "listAuctions"} <= ops
    assert ui.status_code == 200
    assert "/schema-assets/swagger-ui-bundle.js" in ui.text
    assert "cdn." not in ui.text
    assert script.status_code == 200


FILTERS = {"status": "string", "from": "string", "until": "string", "q": "string", "limit": "integer",
           "offset": "integer"}


@pytest.mark.parametrize(("path", "expected"), [
    ("/api/v1/auctions", FILTERS),
    ("/api/v1/admin/auctions", FILTERS),
    ("/api/v1/calendar", FILTERS | {"format": "string"}),
])
def test_every_list_of_auctions_documents_each_filter_with_its_type_and_a_russian_description(
        portal: Portal, path: str, expected: dict[str, str]) -> None:
    with portal.client() as client:
        document = client.get("/schema/openapi.json").json()
    components = document["components"]["schemas"]

    def variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
        found = [schema, *schema.get("oneOf", [])]
        return found + [components[s["$ref"].rsplit("/", 1)[-1]] for s in found if "$ref" in s]

    params = {p["name"]: p for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    assert set(expected) <= set(params)
    for name, kind in expected.items():
        assert kind in {v.get("type") for v in variants(params[name]["schema"])}, (name, params[name])
        assert any("а" <= ch <= "я" for ch in params[name]["description"].lower()), (name, params[name])
    assert any("running" in v.get("enum", ()) for v in variants(params["status"]["schema"]))
    assert any(v.get("format") == "date-time" for v in variants(params["from"]["schema"]))


@pytest.mark.parametrize("params", [{"status": "nonsense"}, {"from": "вчера"}, {"until": "2026-13-01T00:00:00Z"},
                                    {"q": "т" * 201}, {"limit": "0"}, {"offset": "-1"}])
def test_a_bad_filter_of_the_client_list_is_a_400_problem(portal: Portal, params: dict[str, str]) -> None:
    with portal.client() as client:
        answer = client.get("/api/v1/auctions", params=params, headers=bearer(portal.token(ANNA)))
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["status"] == 400


def test_the_client_list_filters_by_status_start_and_text(portal: Portal) -> None:
    token = portal.token(ANNA)
    with portal.client() as client:
        running = client.get("/api/v1/auctions", params={"status": "running"}, headers=bearer(token)).json()
        drafts = client.get("/api/v1/auctions", params={"status": "draft"}, headers=bearer(token)).json()
        later = client.get("/api/v1/auctions", params={"from": "2030-01-01T00:00:00Z"}, headers=bearer(token)).json()
        by_text = client.get("/api/v1/auctions", params={"q": "A-1"}, headers=bearer(token)).json()
    assert [a["number"] for a in running["items"]] == ["A-1"]
    assert drafts["total"] == 0 and later["total"] == 0
    assert [a["number"] for a in by_text["items"]] == ["A-1"]
