"""The portal's frame: health, readiness, security headers, sessions, CSRF, problem documents."""

from __future__ import annotations

import json
import logging
import re

import pytest
import structlog

from tests.web.conftest import PASSWORD, Portal, csrf

pytestmark = pytest.mark.web


def test_health_answers_without_a_session(portal: Portal) -> None:
    with portal.client() as client:
        assert client.get("/health").json() == {"status": "ok"}


def test_readiness_checks_the_database_and_its_schema(portal: Portal) -> None:
    with portal.client() as client:
        answer = client.get("/ready")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readiness_is_503_naming_the_database_when_it_is_unreachable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from omk_adapters.bootstrap import bootstrap
    from omk_adapters.settings import Settings
    from omk_web.app import create_app

    settings = Settings.load({"OMK_DATA_DIR": str(tmp_path),
                              "OMK_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere?connect_timeout=1"})
    services = bootstrap(settings)
    try:
        with TestClient(create_app(services, scheduler=False)) as client:
            answer = client.get("/ready")
            alive = client.get("/health")
    finally:
        services.close()
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert answer.json()["checks"]["database"].startswith("unavailable")
    assert alive.status_code == 200


def test_every_page_carries_the_security_headers(portal: Portal) -> None:
    with portal.client() as client:
        answer = client.get("/signin")
    headers = answer.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert len(headers["x-request-id"]) >= 8


def test_a_signed_in_person_gets_an_httponly_samesite_session_cookie_and_a_new_one_each_time(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, "anna@uchastnik0.ru")
        first = client.cookies.get("omk_session")
        home = client.get("/")
        assert "Здравствуйте" in home.text
        assert "ООО Участник 0" in home.text
    with portal.client() as other:
        portal.sign_in(other, "anna@uchastnik0.ru")
        assert other.cookies.get("omk_session") != first
    with portal.client() as client:
        cookie = portal.sign_in(client, "anna@uchastnik0.ru").headers["set-cookie"]
    assert "omk_session=" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http on 127.0.0.1: a Secure cookie would never come back


def test_a_wrong_password_gets_the_generic_answer_and_no_code(portal: Portal) -> None:
    with portal.client() as client:
        client.get("/signin")
        page = client.post("/signin", data={"email": "anna@uchastnik0.ru", "password": "не тот"},
                           headers=csrf(client))
    assert page.status_code == 401
    assert "Неверный адрес электронной почты или пароль" in page.text
    assert 'data-code="wrong_email_or_password"' in page.text


def test_a_wrong_code_keeps_the_person_on_the_code_page(portal: Portal) -> None:
    with portal.client() as client:
        client.get("/signin")
        page = client.post("/signin", data={"email": "anna@uchastnik0.ru", "password": PASSWORD},
                           headers=csrf(client))

        challenge = re.search(r'name="challenge_id" value="([^"]+)"', page.text)
        assert challenge
        wrong = client.post("/signin/code", data={"challenge_id": challenge.group(1), "code": "000000"},
                            headers=csrf(client), follow_redirects=False)
        assert wrong.status_code in (401, 403, 422)
        assert 'name="code"' in wrong.text
        assert client.cookies.get("omk_session") is None


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(portal: Portal) -> None:
    with portal.client() as client:
        client.get("/signin")
        refused = client.post("/signin", data={"email": "anna@uchastnik0.ru", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Форма устарела" in refused.text
    from omk_adapters.notify.local import LocalOutbox

    assert LocalOutbox.in_data_dir(portal.data_dir).latest_email("anna@uchastnik0.ru") is None


def test_sign_out_ends_the_session_on_the_server(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, "anna@uchastnik0.ru")
        token = client.cookies.get("omk_session")
        client.post("/signout", headers=csrf(client))
    with portal.client() as thief:
        thief.cookies.set("omk_session", token or "")
        assert thief.get("/api/v1/me").status_code == 401


def test_a_page_needing_a_session_sends_a_person_to_sign_in_and_back(portal: Portal) -> None:
    with portal.client() as client:
        answer = client.get("/api/v1/me")
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("application/problem+json")
        page = client.get("/dev/outbox?x=1", headers={"accept": "text/html"}, follow_redirects=False)
        assert page.status_code == 200  # the outbox page needs no session on the embedded set-up


def test_next_after_sign_in_never_leaves_the_site(portal: Portal) -> None:
    from omk_web.pages.common import safe_next

    for hostile in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""):
        assert safe_next(hostile) == "/"
    assert safe_next("/lots/abc?tab=bids") == "/lots/abc?tab=bids"


def test_unknown_paths_are_problem_documents_for_machines_and_pages_for_people(portal: Portal) -> None:
    with portal.client() as client:
        machine = client.get("/api/v1/nothing-here")
        person = client.get("/nothing-here", headers={"accept": "text/html"})
    assert machine.status_code == 404
    body = machine.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert body["type"].startswith("https://")
    assert person.status_code == 404
    assert "<html" in person.text
    assert "Не найдено" in person.text


def test_access_log_names_the_route_template_never_the_token_in_the_path(portal: Portal,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    structlog.configure(processors=[structlog.processors.JSONRenderer()],
                        logger_factory=structlog.PrintLoggerFactory(),
                        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with portal.client() as client:
            client.get("/api/v1/lots/secret-looking-id-123", headers={"authorization": "Bearer omk_sekret"})
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    finally:
        structlog.reset_defaults()
    requests = [line for line in lines if line.get("event") == "request"]
    assert requests, lines
    assert all("secret-looking-id-123" not in json.dumps(line) for line in lines)
    assert all("omk_sekret" not in json.dumps(line) for line in lines)
    assert requests[-1]["route"] == "/api/v1/lots/{lot_id}"


def test_readiness_is_503_when_the_schema_is_not_at_the_head_revision(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from omk_adapters.bootstrap import bootstrap
    from omk_adapters.settings import Settings
    from omk_web.app import create_app

    settings = Settings.load({"OMK_DATA_DIR": str(tmp_path), "OMK_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    services = bootstrap(settings)  # never migrated
    try:
        with TestClient(create_app(services, scheduler=False)) as client:
            answer = client.get("/ready")
    finally:
        services.close()
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"].startswith("schema outdated")
