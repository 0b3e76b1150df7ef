"""Auctions, lots, bids and price offers for client systems and the portal's own scripts."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from omk_domain.app import auctions as A
from omk_domain.shared.money import Money
from omk_web.api.common import IdempotencyKey, Limit, Offset, page, run
from omk_web.auth import CurrentActor
from omk_web.filters import AUCTION_FILTER, ListFilter


class AmountBody(msgspec.Struct, forbid_unknown_fields=True):
    """A price in roubles as a decimal string, e.g. "1250000.00" (never a binary float)."""

    amount: Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["1250000.00"])]


def _accepted(request: Request[Any, Any, Any], outcome: A.Accepted, *, creates: bool = True) -> Response[A.Accepted]:
    """201 for a new bid/offer, 200 for a change or when an Idempotency-Key replayed the first outcome."""
    return Response(outcome, status_code=HTTP_201_CREATED if creates and not outcome.replayed else HTTP_200_OK)


class AuctionsApi(Controller):
    path = "/auctions"
    tags = ["Аукционы"]

    @get("/", operation_id="listAuctions", summary="Аукционы", sync_to_thread=True,
         dependencies={"auction_filter": AUCTION_FILTER})
    def list_auctions(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                      auction_filter: ListFilter) -> dict[str, Any]:
        """The auctions the caller may see (a client: published auctions it is admitted to), by start time."""
        found = run(request, A.BrowseAuctions(filter=auction_filter), actor)
        return page(found.items, found.total, found.limit, found.offset)

    @get("/{auction_id:str}/bids", operation_id="listAuctionBids", summary="Ставки аукциона",
         sync_to_thread=True)
    def bids(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
             limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        """A client: its own bids and offers; OMK staff: every bid and offer."""
        lines = run(request, A.ListBids(auction_id=auction_id), actor)
        return page(lines[offset:offset + limit], len(lines), limit, offset)

    @get("/{auction_id:str}/results", operation_id="showResults", summary="Итоги аукциона", sync_to_thread=True)
    def results(self, request: Request[Any, Any, Any], *,
                actor: CurrentActor, auction_id: FromPath[str]) -> A.AuctionResults:
        return run(request, A.ShowResults(auction_id=auction_id), actor)  # type: ignore[no-any-return]


class LotsApi(Controller):
    path = "/lots"
    tags = ["Лоты и торги"]

    @get("/{lot_id:str}", operation_id="viewLot", summary="Лот", sync_to_thread=True)
    def view(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str]) -> Any:
        """The lot as the caller may see it: anonymised open bids, its own bids and its own price offer."""
        return run(request, A.ViewLot(lot_id=lot_id), actor)

    @post("/{lot_id:str}/bids", operation_id="placeBid", summary="Сделать ставку", sync_to_thread=True,
          status_code=HTTP_201_CREATED)
    def place_bid(self, request: Request[Any, Any, Any], *,
                  actor: CurrentActor, lot_id: FromPath[str], data: JSONBody[AmountBody],
                  idempotency_key: IdempotencyKey = None) -> Response[A.Accepted]:
        """An open bid: at least the start price (first bid) or the leader plus the step."""
        return _accepted(request, run(request, A.PlaceBid(
            lot_id=lot_id, amount=Money.parse_positive(data.amount), client_key=idempotency_key), actor))

    @post("/{lot_id:str}/offers", operation_id="submitOffer", summary="Подать ценовое предложение",
          sync_to_thread=True, status_code=HTTP_201_CREATED)
    def submit_offer(self, request: Request[Any, Any, Any], *,
                     actor: CurrentActor, lot_id: FromPath[str], data: JSONBody[AmountBody],
                     idempotency_key: IdempotencyKey = None) -> Response[A.Accepted]:
        """A sealed price offer: seen only by OMK, one active per organisation and lot."""
        return _accepted(request, run(request, A.SubmitOffer(
            lot_id=lot_id, amount=Money.parse_positive(data.amount), client_key=idempotency_key), actor))

    @put("/{lot_id:str}/offers/{offer_id:str}", operation_id="editOffer", summary="Изменить предложение",
         sync_to_thread=True, status_code=HTTP_200_OK)
    def edit_offer(self, request: Request[Any, Any, Any], *,
                   actor: CurrentActor, lot_id: FromPath[str], offer_id: FromPath[str],
                   data: JSONBody[AmountBody], idempotency_key: IdempotencyKey = None) -> Response[A.Accepted]:
        return _accepted(request, run(request, A.EditOffer(
            lot_id=lot_id, offer_id=offer_id, amount=Money.parse_positive(data.amount),
            client_key=idempotency_key), actor), creates=False)

    @post("/{lot_id:str}/offers/{offer_id:str}/replace", operation_id="replaceOfferWithBid",
          summary="Заменить предложение ставкой", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def replace_offer(self, request: Request[Any, Any, Any], *,
                      actor: CurrentActor, lot_id: FromPath[str], offer_id: FromPath[str],
                      data: JSONBody[AmountBody], idempotency_key: IdempotencyKey = None) -> Response[A.Accepted]:
        """Withdraw my active price offer and place an open bid instead, in one transaction: both or neither."""
        return _accepted(request, run(request, A.ReplaceOfferWithBid(
            lot_id=lot_id, offer_id=offer_id, amount=Money.parse_positive(data.amount),
            client_key=idempotency_key), actor))

    @delete("/{lot_id:str}/offers/{offer_id:str}", operation_id="withdrawOffer", summary="Отозвать предложение",
            sync_to_thread=True, status_code=HTTP_200_OK)
    def withdraw_offer(self, request: Request[Any, Any, Any], *,
                       actor: CurrentActor, lot_id: FromPath[str], offer_id: FromPath[str],
                       idempotency_key: IdempotencyKey = None) -> A.Accepted:
        return run(request, A.WithdrawOffer(  # type: ignore[no-any-return]
            lot_id=lot_id, offer_id=offer_id, client_key=idempotency_key), actor)
