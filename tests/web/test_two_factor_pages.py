"""The authenticator app and recovery codes through the pages; password and email changes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest

from tests.web.conftest import PASSWORD, Portal, csrf

pytestmark = pytest.mark.web
ANNA = "anna@uchastnik0.ru"


def _enrol(portal: Portal, client: Any) -> tuple[str, list[str]]:
    started = client.post("/account/two-factor/start", headers=csrf(client))
    assert started.status_code == 200, started.text
    assert "<svg" in started.text
    secret = re.search(r"Секрет: <code data-copy>([A-Z2-7]+)</code>", started.text)
    assert secret, started.text
    code = pyotp.TOTP(secret.group(1)).at(portal.clock.now())
    confirmed = client.post("/account/two-factor/confirm", data={"code": code}, headers=csrf(client))
    assert confirmed.status_code == 200, confirmed.text
    codes = re.findall(r"<li><code data-copy>([^<]+)</code></li>", confirmed.text)
    assert len(codes) == 10
    return secret.group(1), codes


def _password_step(client: Any, factor: str = "") -> Any:
    client.get("/signin")
    return client.post("/signin", data={"email": ANNA, "password": PASSWORD, "factor": factor}, headers=csrf(client))


def _challenge(page: Any) -> str:
    found = re.search(r'name="challenge_id" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_with_the_app_enrolled_sign_in_asks_for_its_code_and_refuses_a_replayed_one(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        secret, _ = _enrol(portal, client)
    portal.clock.advance(timedelta(seconds=60))
    code = pyotp.TOTP(secret).at(portal.clock.now())
    with portal.client() as client:
        page = _password_step(client)
        assert "приложения-аутентификатора" in page.text
        done = client.post("/signin/code", data={"challenge_id": _challenge(page), "code": code, "factor": "app"},
                           headers=csrf(client), follow_redirects=False)
        assert done.status_code == 303, done.text
    with portal.client() as thief:
        page = _password_step(thief)
        replay = thief.post("/signin/code", data={"challenge_id": _challenge(page), "code": code, "factor": "app"},
                            headers=csrf(thief), follow_redirects=False)
        assert replay.status_code != 303
        assert 'role="alert"' in replay.text


def test_a_recovery_code_signs_in_once(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        _, codes = _enrol(portal, client)
    portal.clock.advance(timedelta(seconds=60))
    with portal.client() as client:
        page = _password_step(client, factor="recovery")
        done = client.post("/signin/code", data={"challenge_id": _challenge(page), "code": codes[0],
                                                 "factor": "recovery"}, headers=csrf(client), follow_redirects=False)
        assert done.status_code == 303, done.text
        assert "recovery_code_used" in done.headers["location"]
    portal.clock.advance(timedelta(seconds=60))
    with portal.client() as client:
        page = _password_step(client, factor="recovery")
        again = client.post("/signin/code", data={"challenge_id": _challenge(page), "code": codes[0],
                                                  "factor": "recovery"}, headers=csrf(client), follow_redirects=False)
        assert again.status_code != 303


def test_a_wrong_first_app_code_does_not_turn_the_app_on(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        client.post("/account/two-factor/start", headers=csrf(client))
        wrong = client.post("/account/two-factor/confirm", data={"code": "000000"}, headers=csrf(client))
        page = client.get("/account")
    assert 400 <= wrong.status_code < 500
    assert "Подключить приложение-аутентификатор" in page.text


def test_changing_the_password_needs_the_current_one_and_ends_the_sessions(portal: Portal) -> None:
    new_password = "Синий-самовар-2027"
    with portal.client() as other, portal.client() as client:
        portal.sign_in(other, ANNA)
        portal.sign_in(client, ANNA)
        wrong = client.post("/account/password", data={"current_password": "не тот", "new_password": new_password},
                            headers=csrf(client))
        assert wrong.status_code in (401, 403, 422)
        assert client.get("/api/v1/me").status_code == 200
        done = client.post("/account/password", data={"current_password": PASSWORD, "new_password": new_password},
                           headers=csrf(client), follow_redirects=False)
        assert done.status_code == 303
        assert other.get("/api/v1/me").status_code == 401
    with portal.client() as client:
        portal.sign_in(client, ANNA, password=new_password)


def test_an_email_change_takes_effect_only_with_the_code_sent_to_the_new_address(portal: Portal) -> None:
    new = "anna.new@uchastnik0.ru"
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        asked = client.post("/account/email", data={"new_email": new, "current_password": PASSWORD},
                            headers=csrf(client))
        assert asked.status_code == 200, asked.text
        change_id = re.search(r'name="change_id" value="([^"]+)"', asked.text)
        assert change_id
        assert client.get("/api/v1/me").json()["email"] == ANNA
        wrong = client.post("/account/email/confirm", data={"change_id": change_id.group(1), "code": "000000"},
                            headers=csrf(client))
        assert 400 <= wrong.status_code < 500
        done = client.post("/account/email/confirm", data={"change_id": change_id.group(1),
                                                           "code": portal.last_code(new)},
                           headers=csrf(client), follow_redirects=False)
        assert done.status_code == 303, done.text
        assert client.get("/api/v1/me").json()["email"] == new
