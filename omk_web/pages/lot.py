"""The lot page: terms, time left, the anonymised open-bid feed, my bids and my price offer.

Forms post here (CSRF field, Post/Redirect/Get with a flash); static/lot.js enhances them with
fetch calls to /api/v1 and keeps the page live through /live/lots/{id}. What is allowed, and
why not, comes from the use case (ShowLotPage → allowed_actions); a refused form is shown again
with the use case's Russian message and its 4xx status.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from omk_domain.app import auctions as A
from omk_domain.app.lot_page import ShowLotPage
from omk_domain.identity.model import Actor
from omk_domain.shared.errors import DomainError
from omk_domain.shared.messages import Command
from omk_domain.shared.money import Money
from omk_web.auth import CurrentActor
from omk_web.pages.common import attempt, handle, render, see_other
from omk_web.problems import status_of

FORMS = ("bid", "offer", "edit", "withdraw", "replace")


def _key(data: dict[str, str]) -> str | None:
    """The form's idempotency key: made when the form was drawn, so a double submit acts once."""
    key = (data.get("client_key") or "").strip()
    return key[:200] or None


class LotPages(Controller):
    include_in_schema = False
    path = "/lots/{lot_id:str}"

    @get("/", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str]) -> Template:
        return self._page(request, actor, lot_id)

    def _page(self, request: Request[Any, Any, Any], actor: Actor, lot_id: str, *, error: DomainError | None = None,
              failed: str | None = None, entered: str = "") -> Template:
        page = handle(request, ShowLotPage(lot_id=lot_id), actor)
        keys = {form: secrets.token_urlsafe(16) for form in FORMS}
        return render(request, "lot.html", actor, status_code=status_of(error) if error else 200,
                      page=page, view=page.view, actions=page.actions, staff=page.staff, keys=keys,
                      error=error, failed=failed, entered=entered)

    def _act(self, request: Request[Any, Any, Any], actor: Actor, lot_id: str, form: str, *,
             make: Any, data: dict[str, str], flash: str) -> Any:
        try:
            command: Command = make()
        except DomainError as error:  # an amount that is not a price: shown beside the form
            return self._page(request, actor, lot_id, error=error, failed=form, entered=data.get("amount", ""))
        _, error = attempt(request, command, actor)
        if error is not None:
            return self._page(request, actor, lot_id, error=error, failed=form, entered=data.get("amount", ""))
        return see_other(f"/lots/{lot_id}", flash)

    @post("/bid", sync_to_thread=True)
    def bid(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
            data: URLEncodedBody[dict[str, str]]) -> Response[Any]:
        return self._act(request, actor, lot_id, "bid", make=lambda: A.PlaceBid(
            lot_id=lot_id, amount=Money.parse_positive(data.get("amount") or ""), client_key=_key(data)),
            data=data, flash="bid_placed")

    @post("/offer", sync_to_thread=True)
    def offer(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
              data: URLEncodedBody[dict[str, str]]) -> Response[Any]:
        return self._act(request, actor, lot_id, "offer", make=lambda: A.SubmitOffer(
            lot_id=lot_id, amount=Money.parse_positive(data.get("amount") or ""), client_key=_key(data)),
            data=data, flash="offer_saved")

    @post("/offer/edit", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
             data: URLEncodedBody[dict[str, str]]) -> Response[Any]:
        return self._act(request, actor, lot_id, "edit", make=lambda: A.EditOffer(
            lot_id=lot_id, offer_id=data.get("offer_id") or "", amount=Money.parse_positive(data.get("amount") or ""),
            client_key=_key(data)), data=data, flash="offer_saved")

    @post("/offer/withdraw", sync_to_thread=True)
    def withdraw(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
                 data: URLEncodedBody[dict[str, str]]) -> Response[Any]:
        return self._act(request, actor, lot_id, "withdraw", make=lambda: A.WithdrawOffer(
            lot_id=lot_id, offer_id=data.get("offer_id") or "", client_key=_key(data)),
            data=data, flash="offer_withdrawn")

    @post("/offer/replace", sync_to_thread=True)
    def replace(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
                data: URLEncodedBody[dict[str, str]]) -> Response[Any]:
        """Replace my price offer by an open bid, in one transaction (ReplaceOfferWithBid)."""
        return self._act(request, actor, lot_id, "replace", make=lambda: A.ReplaceOfferWithBid(
            lot_id=lot_id, offer_id=data.get("offer_id") or "", amount=Money.parse_positive(data.get("amount") or ""),
            client_key=_key(data)),
            data=data, flash="offer_replaced")
