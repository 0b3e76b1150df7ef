"""The help section: articles that state the rules the code enforces, the form that sends a request to an
OMK service (stored, acknowledged by email, visible to support, invisible to other organisations), the
support view, the requests API, and the tooltips and first-visit tour every page loads."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from omk_adapters.notify.local import LocalOutbox
from omk_domain.app.requests import ListRequests
from omk_domain.auctions import rules as auction_rules
from omk_domain.identity.model import Actor, Role
from omk_domain.identity.policy import Permission
from omk_domain.requests import rules as request_rules
from omk_web import help as help_articles
from tests.web.conftest import Portal, csrf

pytestmark = pytest.mark.web

ANNA = "anna@uchastnik0.ru"  # a bidder: may not send requests
VERA = "vera@uchastnik0.ru"  # a buyer of the same organisation
GLEB = "gleb@uchastnik1.ru"  # a buyer of another organisation
SOFIA = "sofia@omk.ru"  # OMK support
CYRILLIC = re.compile("[а-яё]", re.I)
FORM = {"service": "quality", "subject": "Сертификат на плавку 77-123",
        "text": "Пришлите, пожалуйста, сертификат качества на плавку 77-123 по заказу 4500012345.",
        "contact_phone": "8 912 345-67-89"}


@pytest.fixture()
def people(portal: Portal) -> Portal:
    portal.add_person(VERA, portal.market.bidders[0].organization_id, Role.BUYER)
    portal.add_person(GLEB, portal.market.bidders[1].organization_id, Role.BUYER)
    portal.add_person(SOFIA, None, Role.SUPPORT)
    return portal


def signed_in(portal: Portal, email: str) -> TestClient[Any]:
    client = portal.client().__enter__()
    portal.sign_in(client, email)
    portal.clock.advance(timedelta(seconds=2))  # the outbox orders letters by their time
    return client


def send_form(client: TestClient[Any], **changes: str) -> Any:
    return client.post("/help/request", data={**FORM, **changes}, headers=csrf(client), follow_redirects=False)


def stored(portal: Portal) -> int:
    return int(portal.services.bus.handle(ListRequests(), Actor(user_id="support", role=Role.SUPPORT)).total)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# --- articles ---------------------------------------------------------------------------------

def test_the_help_index_lists_every_article_and_each_one_renders_for_anybody(portal: Portal) -> None:
    with portal.client() as client:
        index = client.get("/help")
        pages = {a.slug: client.get(f"/help/{a.slug}") for a in help_articles.articles()}
        missing = client.get("/help/net-takoi-stati")

    assert index.status_code == 200
    assert len(help_articles.articles()) >= 8
    for a in help_articles.articles():
        assert f'href="/help/{a.slug}"' in index.text
        assert pages[a.slug].status_code == 200, a.slug
        assert html.escape(a.title, quote=False) in pages[a.slug].text
    assert missing.status_code == 404


def test_every_auction_rule_title_from_the_code_appears_in_help(portal: Portal) -> None:
    with portal.client() as client:
        rules_page = client.get("/help/pravila-torgov").text
        requests_page = client.get("/help/obrashcheniya").text

    for rule in auction_rules.RULES:
        assert html.escape(rule.title_ru, quote=False) in rules_page, rule.name
        assert f'id="rule-{rule.name}"' in rules_page
    for rule in request_rules.RULES:
        assert html.escape(rule.title_ru, quote=False) in requests_page, rule.name


@pytest.mark.parametrize("context", sorted(help_articles.CATALOGUES))
def test_every_rule_is_explained_once_and_no_explanation_names_a_rule_the_code_lacks(context: str) -> None:
    assert set(help_articles.explanations(context)) == {r.name for r in help_articles.CATALOGUES[context]}


def test_articles_carry_no_script_and_raw_html_in_markdown_is_escaped() -> None:
    md = help_articles._markdown()

    rendered = md.render('<script>alert(1)</script>\n\n[ссылка](javascript:alert(1)) <b onclick="x()">жирный</b>')

    assert "<script" not in rendered and "&lt;script&gt;" in rendered
    assert 'href="javascript:' not in rendered and "<b " not in rendered
    for a in help_articles.articles():
        assert "<script" not in a.html and " on" not in re.sub(r"[^<]*(<[^>]*>)?", r"\1", a.html).lower()


def test_the_articles_state_the_numbers_the_rules_use() -> None:
    """Spot checks against features/: the bid-step example, the lockout, the session, the code lifetime."""
    text = " ".join(a.html for a in help_articles.articles())
    for fact in ("не ниже 90 500 ₽", "пяти неверных паролей", "30 минут бездействия", "12 часов",
                 "пять минут", "Idempotency-Key", "Authorization: Bearer", "строго ниже стартовой цены"):
        assert fact in text, fact


# --- the request form -------------------------------------------------------------------------

def test_a_request_from_the_form_is_stored_acknowledged_by_email_and_shown_to_the_organisation(
        people: Portal) -> None:
    client = signed_in(people, VERA)
    form = client.get("/help/request")
    sent = send_form(client)
    page = client.get(sent.headers["location"])
    listing = client.get("/help/requests")
    client.__exit__(None, None, None)

    assert form.status_code == 200 and 'name="subject"' in form.text and "Качество и сертификаты" in form.text
    assert sent.status_code == 303
    assert re.fullmatch(r"/help/requests/[0-9a-f]+\?flash=request_sent", sent.headers["location"])
    assert page.status_code == 200
    assert "Сертификат на плавку 77-123" in page.text and "+79123456789" in page.text and "новое" in page.text
    assert "Подтверждение с его номером ушло вам на почту" in page.text
    assert "Сертификат на плавку 77-123" in listing.text
    letter = LocalOutbox.in_data_dir(people.data_dir).latest_email(VERA)
    assert letter is not None and "принято" in letter.subject
    assert "Качество и сертификаты" in letter.text and "/help/requests/" in letter.text
    assert stored(people) == 1


@pytest.mark.parametrize(("changes", "code", "message"), [
    ({"service": ""}, "service_unknown", "Выберите службу"),
    ({"service": "marketing"}, "service_unknown", "Выберите службу"),
    ({"subject": "Ой"}, "request_subject_invalid", "Тема обращения"),
    ({"text": "Коротко"}, "request_text_invalid", "Текст обращения"),
    ({"text": "Т" * 5001}, "request_text_invalid", "Текст обращения"),
    ({"contact_phone": "12-34"}, "contact_phone_invalid", "Контактный телефон"),
])
def test_bad_input_re_renders_the_form_with_a_russian_message_and_stores_nothing(
        people: Portal, changes: dict[str, str], code: str, message: str) -> None:
    client = signed_in(people, VERA)
    answer = send_form(client, **changes)
    client.__exit__(None, None, None)

    assert answer.status_code == 422
    assert f'data-code="{code}"' in answer.text and message in answer.text
    assert html.escape(FORM["text"] if "text" not in changes else FORM["subject"], quote=False) in answer.text
    assert stored(people) == 0


def test_a_member_without_the_right_to_send_is_told_who_may_and_nothing_is_stored(people: Portal) -> None:
    client = signed_in(people, ANNA)
    form = client.get("/help/request")
    answer = send_form(client)
    client.__exit__(None, None, None)

    assert form.status_code == 200 and "администратор и закупщик" in form.text and 'name="subject"' not in form.text
    assert answer.status_code == 403 and "администратор и закупщик" in answer.text
    assert stored(people) == 0


def test_the_form_needs_a_signed_in_person(portal: Portal) -> None:
    with portal.client() as client:
        page = client.get("/help/request", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin?next=")


def test_another_organisation_gets_exactly_the_404_of_a_missing_request(people: Portal) -> None:
    vera = signed_in(people, VERA)
    request_id = send_form(vera).headers["location"].split("/")[-1].split("?")[0]
    vera.__exit__(None, None, None)
    gleb = signed_in(people, GLEB)
    foreign = gleb.get(f"/help/requests/{request_id}")
    missing = gleb.get("/help/requests/0000aaaa0000")
    listing = gleb.get("/help/requests")
    take = gleb.post(f"/support/requests/{request_id}/take", headers=csrf(gleb))
    gleb.__exit__(None, None, None)
    token = people.token(GLEB, frozenset({Permission.REQUESTS_SEND}))
    with people.client() as client:
        api_foreign = client.get(f"/api/v1/requests/{request_id}", headers=bearer(token))
        api_missing = client.get("/api/v1/requests/0000aaaa0000", headers=bearer(token))
        api_take = client.post(f"/api/v1/requests/{request_id}/take", headers=bearer(token))

    assert foreign.status_code == missing.status_code == take.status_code == 404
    assert foreign.text.replace(request_id, "X") == missing.text.replace("0000aaaa0000", "X")
    assert "Сертификат на плавку" not in listing.text
    assert api_foreign.status_code == api_missing.status_code == api_take.status_code == 404
    body, other = api_foreign.json(), api_missing.json()
    assert (body["code"], body["detail"]) == (other["code"], other["detail"]) == ("request_not_found",
                                                                                  "Обращение не найдено.")


# --- support ----------------------------------------------------------------------------------

def test_support_sees_the_request_takes_answers_and_closes_it_and_the_author_gets_the_answer(
        people: Portal) -> None:
    vera = signed_in(people, VERA)
    request_id = send_form(vera).headers["location"].split("/")[-1].split("?")[0]
    sofia = signed_in(people, SOFIA)
    listing = sofia.get("/support/requests?status=new&service=quality")
    other_service = sofia.get("/support/requests?service=finance")
    taken = sofia.post(f"/support/requests/{request_id}/take", headers=csrf(sofia), follow_redirects=False)
    empty = sofia.post(f"/support/requests/{request_id}/answer", data={"answer": " "}, headers=csrf(sofia))
    answered = sofia.post(f"/support/requests/{request_id}/answer", data={"answer": "Сертификат приложен к заказу."},
                          headers=csrf(sofia), follow_redirects=False)
    closed = sofia.post(f"/support/requests/{request_id}/close", headers=csrf(sofia), follow_redirects=False)
    again = sofia.post(f"/support/requests/{request_id}/take", headers=csrf(sofia))
    sofia.__exit__(None, None, None)
    seen_by_author = vera.get(f"/help/requests/{request_id}")
    vera_take = vera.post(f"/support/requests/{request_id}/close", headers=csrf(vera))
    vera.__exit__(None, None, None)

    assert listing.status_code == 200
    assert "Сертификат на плавку 77-123" in listing.text and "ООО Участник 0" in listing.text
    assert "Сертификат на плавку 77-123" not in other_service.text
    assert taken.status_code == answered.status_code == closed.status_code == 303
    assert taken.headers["location"].endswith("flash=request_taken")
    assert empty.status_code == 422 and 'data-code="request_answer_invalid"' in empty.text
    assert again.status_code == 409 and 'data-code="request_status_change_not_allowed"' in again.text
    assert "Сертификат приложен к заказу." in seen_by_author.text and "закрыто" in seen_by_author.text
    assert vera_take.status_code == 403
    reply = LocalOutbox.in_data_dir(people.data_dir).latest_email(VERA)
    assert reply is not None and "Ответ на обращение" in reply.subject and "Сертификат приложен" in reply.text


def test_a_client_cannot_open_the_support_list_and_an_unknown_filter_is_a_russian_422(people: Portal) -> None:
    vera = signed_in(people, VERA)
    own = vera.get("/support/requests", follow_redirects=False)  # a client's list is in the help section
    vera.__exit__(None, None, None)
    anna = signed_in(people, ANNA)
    bidder = anna.get("/help/requests")
    anna.__exit__(None, None, None)
    sofia = signed_in(people, SOFIA)
    bad_status = sofia.get("/support/requests?status=lost")
    bad_page = sofia.get("/support/requests?page=0")
    sofia.__exit__(None, None, None)

    assert own.status_code == 303 and own.headers["location"] == "/help/requests"
    assert bidder.status_code == 403
    assert bad_status.status_code == 422 and "Неизвестный статус обращения" in bad_status.text
    assert bad_page.status_code == 400


# --- API --------------------------------------------------------------------------------------

def test_a_client_system_sends_and_lists_its_organisations_requests(people: Portal) -> None:
    token = people.token(VERA, frozenset({Permission.REQUESTS_SEND}))
    other = people.token(GLEB, frozenset({Permission.REQUESTS_SEND}))
    with people.client() as client:
        sent = client.post("/api/v1/requests", json={"service": "finance", "subject": "Акт сверки за ноябрь",
                                                     "text": "Прошу направить акт сверки за ноябрь 2026 года."},
                           headers=bearer(token))
        mine = client.get("/api/v1/requests?status=new&limit=10", headers=bearer(token))
        theirs = client.get("/api/v1/requests", headers=bearer(other))
        shown = client.get(f"/api/v1/requests/{sent.json()['request']['id']}", headers=bearer(token))

    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["acknowledged"] is False  # a client system has no mailbox to acknowledge to
    assert body["request"]["status"] == "new" and body["request"]["service_label"] == "Финансы и расчёты"
    assert mine.json()["total"] == 1 and mine.json()["items"][0]["id"] == body["request"]["id"]
    assert (mine.json()["limit"], mine.json()["offset"]) == (10, 0)
    assert theirs.json()["total"] == 0
    assert shown.status_code == 200 and shown.json()["author_name"] == "API-токен"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"service": "finance", "subject": "Ой", "text": "Прошу направить акт сверки."}, 422, "request_subject_invalid"),
    ({"service": "pr", "subject": "Акт сверки", "text": "Прошу направить акт сверки."}, 422, "service_unknown"),
    ({"service": "finance", "subject": "Акт сверки", "text": "Коротко"}, 422, "request_text_invalid"),
    ({"service": "finance", "subject": "Акт сверки", "text": "Прошу направить акт сверки.",
      "contact_phone": "звоните"}, 422, "contact_phone_invalid"),
    ({"service": "finance", "subject": "Акт сверки", "text": "Прошу направить акт сверки.", "x": 1}, 400,
     "request_invalid"),
    ({"service": "finance", "subject": 5, "text": "Прошу направить акт сверки."}, 400, "request_invalid"),
    ({}, 400, "request_invalid"),
])
def test_a_bad_request_body_is_a_4xx_problem_and_nothing_is_stored(
        people: Portal, body: dict[str, Any], status: int, code: str) -> None:
    with people.client() as client:
        answer = client.post("/api/v1/requests", json=body,
                             headers=bearer(people.token(VERA, frozenset({Permission.REQUESTS_SEND}))))

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code and CYRILLIC.search(answer.json()["detail"])
    assert stored(people) == 0


@pytest.mark.parametrize(("query", "status", "code"), [
    ("status=lost", 400, "request_invalid"), ("service=pr", 400, "request_invalid"),
    ("limit=0", 400, "request_invalid"), ("offset=-1", 400, "request_invalid"),
    ("limit=1001", 400, "request_invalid"),
])
def test_bad_list_parameters_are_400_problems(people: Portal, query: str, status: int, code: str) -> None:
    with people.client() as client:
        answer = client.get(f"/api/v1/requests?{query}",
                            headers=bearer(people.token(VERA, frozenset({Permission.REQUESTS_SEND}))))
    assert answer.status_code == status and answer.json()["code"] == code


def test_a_token_without_the_right_to_send_is_refused_and_support_works_the_request_through_the_api(
        people: Portal) -> None:
    bidding_only = people.token(ANNA)
    token = people.token(VERA, frozenset({Permission.REQUESTS_SEND}))
    with people.client() as client:
        refused = client.post("/api/v1/requests", json={"service": "auctions", "subject": "Допуск",
                                                        "text": "Просим допустить нас к аукциону A-1."},
                              headers=bearer(bidding_only))
        sent = client.post("/api/v1/requests", json={"service": "auctions", "subject": "Допуск",
                                                     "text": "Просим допустить нас к аукциону A-1."},
                           headers=bearer(token)).json()["request"]
        client_take = client.post(f"/api/v1/requests/{sent['id']}/take", headers=bearer(token))
    sofia = signed_in(people, SOFIA)
    listed = sofia.get("/api/v1/requests?service=auctions")
    taken = sofia.post(f"/api/v1/requests/{sent['id']}/take", headers=csrf(sofia))
    empty = sofia.post(f"/api/v1/requests/{sent['id']}/answer", json={"answer": ""}, headers=csrf(sofia))
    answered = sofia.post(f"/api/v1/requests/{sent['id']}/answer", json={"answer": "Допуск оформлен."},
                          headers=csrf(sofia))
    closed = sofia.post(f"/api/v1/requests/{sent['id']}/close", headers=csrf(sofia))
    reopened = sofia.post(f"/api/v1/requests/{sent['id']}/take", headers=csrf(sofia))
    sofia.__exit__(None, None, None)

    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client_take.status_code == 403
    assert listed.status_code == 200 and listed.json()["items"][0]["organization_name"] == "ООО Участник 0"
    assert taken.status_code == 200 and taken.json()["status"] == "in_progress"
    assert empty.status_code == 422 and empty.json()["code"] == "request_answer_invalid"
    assert answered.json()["answer"] == "Допуск оформлен." and answered.json()["status"] == "answered"
    assert closed.json()["status"] == "closed" and closed.json()["next_statuses"] == []
    assert reopened.status_code == 409 and reopened.json()["code"] == "request_status_change_not_allowed"


def test_the_requests_api_is_documented_with_operation_ids(portal: Portal) -> None:
    with portal.client() as client:
        schema = client.get("/schema/openapi.json").json()
    operations = {op["operationId"] for item in schema["paths"].values() for op in item.values()
                  if isinstance(op, dict) and "operationId" in op}
    assert {"sendRequest", "listRequests", "showRequest", "takeRequest", "answerRequest",
            "closeRequest"} <= operations


# --- tooltips and the tour --------------------------------------------------------------------

def test_every_page_loads_the_tooltips_and_the_tour_and_the_dashboard_defines_its_steps(people: Portal) -> None:
    client = signed_in(people, VERA)
    home = client.get("/")
    assets = [client.get(f"/static/{name}") for name in ("tips.js", "tips.css", "tour.js")]
    client.__exit__(None, None, None)

    for name in ("tips.js", "tips.css", "tour.js"):
        assert f"/static/{name}" in home.text
    assert all(a.status_code == 200 for a in assets)
    assert 'data-tour="dashboard"' in home.text
    steps = sorted(int(n) for n in re.findall(r'data-tour-step="(\d+)"', home.text))
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 3
    assert "aria-describedby" in assets[0].text and 'role", "tooltip"' in assets[0].text
    assert "localStorage" in assets[2].text and "Пропустить" in assets[2].text
    assert "<script>" not in home.text and " onclick=" not in home.text
