"""The local outbox, readable in the browser — only on the embedded set-up and only from this machine.

With no SMTP server and no SMS gateway configured, codes and letters are written to the data
folder; a newcomer trying the demo reads them here. With SMTP or a real gateway configured, or
for a request from another machine, the page does not exist (404).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from omk_adapters.notify.local import LocalOutbox
from omk_web.auth import MaybeActor, services_of
from omk_web.pages.common import render

#: host names (not addresses) a request from this machine may come from; addresses are checked by value
LOOPBACK_NAMES = frozenset({"localhost"})


def from_this_machine(host: str) -> bool:
    """A loopback address (127.0.0.0/8, ::1, ::ffff:127.x) or the name `localhost`."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in LOOPBACK_NAMES
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def outbox_enabled(request: Request[Any, Any, Any]) -> bool:
    settings = services_of(request).settings
    local = settings.smtp_url is None and settings.sms_gateway == "local"
    return local and from_this_machine(request.client.host if request.client else "")


@get("/dev/outbox", sync_to_thread=True, include_in_schema=False)
def dev_outbox(request: Request[Any, Any, Any], maybe_actor: MaybeActor) -> Template:
    """The last 30 letters and SMS written to the local outbox, newest first."""
    if not outbox_enabled(request):
        raise NotFoundException()
    outbox = LocalOutbox.in_data_dir(services_of(request).settings.data_dir)
    emails = list(reversed(outbox.emails()))[:30]
    sms = list(reversed(outbox.sms()))[:30]
    return render(request, "dev_outbox.html", maybe_actor, emails=emails, sms=sms)
