"""Getting in through the pages: registration with both codes, an application, an invitation, a reset."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from omk_adapters.notify.local import LocalOutbox
from omk_domain.app.identity import ListOrganizations
from omk_domain.app.invitations import InviteUser
from omk_domain.identity.model import Role
from tests.contract.builders import STAFF, inn
from tests.web.conftest import CODE, PASSWORD, Portal, csrf

pytestmark = pytest.mark.web
NEW = "nina@novaya.ru"
PHONE = "+79123456700"


def _hidden(page: Any, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert found, page.text
    return found.group(1)


def _codes(portal: Portal) -> tuple[str, str]:
    outbox = LocalOutbox.in_data_dir(portal.data_dir)
    mail, sms = outbox.latest_email(NEW), outbox.latest_sms(PHONE)
    assert mail is not None
    assert sms is not None
    email_code, sms_code = CODE.search(mail.text), CODE.search(sms.text)
    assert email_code
    assert sms_code
    return email_code.group(1), sms_code.group(1)


def _register(portal: Portal, client: Any) -> Any:
    client.get("/register")
    page = client.post("/register", data={"full_name": "Нина Сергеевна Новикова", "email": NEW, "phone": PHONE,
                                          "password": PASSWORD}, headers=csrf(client))
    assert page.status_code == 200, page.text
    assert "Подтверждение почты и телефона" in page.text
    email_code, sms_code = _codes(portal)
    verified = client.post("/register/verify", data={"registration_id": _hidden(page, "registration_id"),
                                                     "email_code": email_code, "sms_code": sms_code},
                           headers=csrf(client))
    assert verified.status_code == 200, verified.text
    return verified


def test_a_person_registers_with_both_codes_and_applies_for_an_organisation(portal: Portal) -> None:
    with portal.client() as client:
        apply_page = _register(portal, client)
        assert "Шаг 3 из 3" in apply_page.text
        done = client.post("/register/apply", data={"registration_id": _hidden(apply_page, "registration_id"),
                                                    "name": "ООО «Новая Труба»", "inn": inn(321)},
                           headers=csrf(client))
    assert done.status_code == 200, done.text
    assert "Заявка отправлена" in done.text
    orgs = portal.services.bus.handle(ListOrganizations(), STAFF)
    applied = [o for o in orgs if o.inn == inn(321)]
    assert applied
    assert applied[0].status.value == "applied"


def test_a_wrong_sms_code_keeps_the_person_on_the_codes_page_and_creates_nobody(portal: Portal) -> None:
    with portal.client() as client:
        client.get("/register")
        page = client.post("/register", data={"full_name": "Нина Новикова", "email": NEW, "phone": PHONE,
                                              "password": PASSWORD}, headers=csrf(client))
        email_code, _ = _codes(portal)
        wrong = client.post("/register/verify", data={"registration_id": _hidden(page, "registration_id"),
                                                      "email_code": email_code, "sms_code": "000000"},
                            headers=csrf(client))
    assert 400 <= wrong.status_code < 500
    assert 'role="alert"' in wrong.text
    assert 'name="sms_code"' in wrong.text
    with portal.services.uow_factory() as uow:
        assert uow.users.by_email(NEW) is None


@pytest.mark.parametrize(("field", "value", "says"), [
    ("email", "не-адрес", "почт"),
    ("phone", "123", "телефон"),
    ("password", "короткий", "символов"),
])
def test_bad_registration_input_is_explained_beside_the_form_and_sends_nothing(
        portal: Portal, field: str, value: str, says: str) -> None:
    data = {"full_name": "Нина Новикова", "email": NEW, "phone": PHONE, "password": PASSWORD, field: value}
    with portal.client() as client:
        client.get("/register")
        page = client.post("/register", data=data, headers=csrf(client))
    assert page.status_code == 422, page.text
    alert = re.search(r'role="alert"[^>]*>([^<]+)<', page.text)
    assert alert
    assert says in alert.group(1).lower()
    outbox = LocalOutbox.in_data_dir(portal.data_dir)
    assert outbox.emails(NEW) == []


def test_an_invited_person_accepts_with_a_name_and_password_then_signs_in_as_a_member(portal: Portal) -> None:
    org_id = portal.market.bidders[0].organization_id
    portal.services.bus.handle(InviteUser(organization_id=org_id, email=NEW, roles=frozenset({Role.VIEWER})), STAFF)
    mail = LocalOutbox.in_data_dir(portal.data_dir).latest_email(NEW)
    assert mail is not None
    link = re.search(r"(/invitation\?token=[A-Za-z0-9_\-]+)", mail.text)
    assert link, mail.text
    with portal.client() as client:
        form = client.get(link.group(1))
        assert "Принять приглашение" in form.text
        accepted = client.post("/invitation", data={"token": _hidden(form, "token"), "full_name": "Нина Новикова",
                                                    "password": PASSWORD}, headers=csrf(client),
                               follow_redirects=False)
        assert accepted.status_code == 303, accepted.text
        again = client.post("/invitation", data={"token": _hidden(form, "token"), "full_name": "Нина",
                                                 "password": PASSWORD}, headers=csrf(client))
        assert again.status_code == 401, again.text  # InvitationInvalid: one answer for used, forged, expired
        portal.people[NEW] = ("", org_id)
        portal.sign_in(client, NEW)
        me = client.get("/api/v1/me").json()
    assert me["organization_name"] == "ООО Участник 0"


def test_a_forged_invitation_token_is_refused_without_detail(portal: Portal) -> None:
    with portal.client() as client:
        client.get("/invitation?token=forged")
        refused = client.post("/invitation", data={"token": "forged", "full_name": "Некто", "password": PASSWORD},
                              headers=csrf(client))
    assert refused.status_code == 401
    assert 'data-code="invitation_invalid"' in refused.text


def test_reset_links_are_limited_per_mailbox_silently_and_per_address_with_a_429(portal: Portal) -> None:
    anna = "anna@uchastnik0.ru"
    outbox = LocalOutbox.in_data_dir(portal.data_dir)
    with portal.client() as client:
        client.get("/password-reset")
        answers = []
        for n in range(10):  # four for Anna, six for mailboxes nobody has: ten from this address
            portal.clock.advance(timedelta(seconds=1))
            email = anna if n < 4 else f"nobody{n}@nowhere.ru"
            answers.append(client.post("/password-reset", data={"email": email}, headers=csrf(client)))
        portal.clock.advance(timedelta(seconds=1))
        refused = client.post("/password-reset", data={"email": anna}, headers=csrf(client))
    assert [a.status_code for a in answers] == [200] * 10
    assert len({_plain_answer(a.text) for a in answers}) == 1  # the fourth link was not sent: same answer
    assert sum(1 for m in outbox.emails(anna) if m.subject == "Смена пароля") == 3
    assert refused.status_code == 429 and "Повторите через" in refused.text
    assert 'data-code="too_many_reset_requests"' in refused.text and "Слишком много запросов" in refused.text


def _plain_answer(html: str) -> str:
    """The page's answer without what differs by request (the CSRF token, the address typed in)."""
    return re.sub(r'value="[^"]*"|[\w.+-]+@[\w.-]+', "", html)


def test_a_forgotten_password_is_reset_by_the_emailed_link_and_old_sessions_end(portal: Portal) -> None:
    anna = "anna@uchastnik0.ru"
    new_password = "Синий-самовар-2027"
    with portal.client() as old:
        portal.sign_in(old, anna)
        portal.clock.advance(timedelta(seconds=2))  # the outbox orders letters by their time
        with portal.client() as client:
            client.get("/password-reset")
            sent = client.post("/password-reset", data={"email": anna}, headers=csrf(client))
            unknown = client.post("/password-reset", data={"email": "nobody@nowhere.ru"}, headers=csrf(client))
            assert sent.status_code == unknown.status_code == 200
            assert "Если адрес" in sent.text
            mail = LocalOutbox.in_data_dir(portal.data_dir).latest_email(anna)
            assert mail is not None
            link = re.search(r"(/password-reset\?token=[A-Za-z0-9_\-]+)", mail.text)
            assert link, mail.text
            form = client.get(link.group(1))
            weak = client.post("/password-reset/new", data={"token": _hidden(form, "token"), "password": "1"},
                               headers=csrf(client))
            assert weak.status_code == 422
            done = client.post("/password-reset/new", data={"token": _hidden(form, "token"),
                                                            "password": new_password},
                               headers=csrf(client), follow_redirects=False)
            assert done.status_code == 303
            portal.clock.advance(timedelta(seconds=5))
            portal.sign_in(client, anna, password=new_password)
        assert old.get("/api/v1/me").status_code == 401
