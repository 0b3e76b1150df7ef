"""Pages are HTML to the browser, whatever their handler's return annotation says."""

from __future__ import annotations

import pytest

from tests.web.conftest import Portal

pytestmark = pytest.mark.web


@pytest.mark.parametrize("path", ["/", "/signin", "/dev/outbox"])
def test_pages_are_served_as_html(portal: Portal, path: str) -> None:
    with portal.client() as client:
        answer = client.get(path, headers={"accept": "text/html"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"


def test_a_signed_in_page_is_served_as_html(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, "anna@uchastnik0.ru")
        answer = client.get("/signin", headers={"accept": "text/html"}, follow_redirects=True)
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
