"""The dev outbox page serves only this machine: a loopback address, or the name `localhost`."""

from __future__ import annotations

import pytest

from omk_web.pages.devoutbox import LOOPBACK_NAMES, from_this_machine

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.0.0.53", True), ("::1", True), ("::ffff:127.0.0.1", True), ("localhost", True),
    ("10.0.0.7", False), ("192.0.2.1", False), ("::ffff:192.0.2.1", False), ("2001:db8::1", False),
    ("testclient", False), ("", False), ("localhost.evil.example", False)])
def test_only_a_loopback_address_is_this_machine(host: str, local: bool) -> None:
    assert from_this_machine(host) is local


def test_production_code_knows_no_test_client() -> None:
    assert {"localhost"} == LOOPBACK_NAMES  # the web tests add Litestar's «testclient» themselves
