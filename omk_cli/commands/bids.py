"""`omk bids`: bids and price offers taken by OMK staff on behalf of an organisation (e.g. by phone)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from omk_cli import parsing
from omk_cli.commands.auctions import AuctionRef
from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, money, show, table, when
from omk_domain.app.auctions import (
    Accepted,
    AnnulBid,
    EditOffer,
    ListBids,
    PlaceBid,
    SubmitOffer,
    WithdrawOffer,
)
from omk_domain.app.identity import ListOrganizations

app = typer.Typer(help="Open bids and sealed price offers.", no_args_is_help=True)

LotRef = Annotated[str, typer.Argument(metavar="LOT", help="Lot id.")]
Amount = Annotated[str, typer.Argument(metavar="AMOUNT", help="Roubles per unit, e.g. 85000 or «85 000,50».")]
OrgOption = Annotated[str, typer.Option("--org", help="On behalf of this organisation (id or ИНН).")]
KeyOption = Annotated[str | None, typer.Option("--key", help="Idempotency key: repeating the command with the "
                                                             "same key does it once.")]
KIND_RU = {"bid": "Ставка принята", "offer": "Ценовое предложение принято",
           "offer_edit": "Ценовое предложение изменено", "offer_withdrawal": "Ценовое предложение отозвано"}


def render_accepted(c: Console, a: Accepted) -> None:
    title = KIND_RU.get(a.kind, a.kind) + (" (повтор: уже было сделано раньше)" if a.replayed else "")
    c.print(fields(title, [
        ("Id", a.item_id), ("Лот", a.lot_id), ("Организация", a.organization_id), ("Сумма", money(a.amount)),
        ("Время", when(a.at)), ("Закрытие лота", when(a.closes_at) + (" (продлено)" if a.extended else ""))]))


@app.command("place")
def place(ctx: typer.Context, *, lot: LotRef, amount: Amount, org: OrgOption, key: KeyOption = None,
          json_out: JsonFlag = False) -> None:
    """Place an open bid on behalf of an organisation."""
    st = state(ctx)
    accepted = st.handle(PlaceBid(lot_id=lot, amount=parsing.amount(amount), client_key=key,
                                  on_behalf_of=parsing.organization_id(st, org)))
    show(json_out, accepted, lambda c: render_accepted(c, accepted))


@app.command("offer")
def offer(ctx: typer.Context, *, lot: LotRef, amount: Amount, org: OrgOption, key: KeyOption = None,
          json_out: JsonFlag = False) -> None:
    """Submit a sealed price offer (below the start price) on behalf of an organisation."""
    st = state(ctx)
    accepted = st.handle(SubmitOffer(lot_id=lot, amount=parsing.amount(amount), client_key=key,
                                     on_behalf_of=parsing.organization_id(st, org)))
    show(json_out, accepted, lambda c: render_accepted(c, accepted))


@app.command("edit-offer")
def edit_offer(ctx: typer.Context, *, lot: LotRef,
               offer_id: Annotated[str, typer.Argument(metavar="OFFER", help="Offer id.")],
               amount: Amount, org: OrgOption, key: KeyOption = None, json_out: JsonFlag = False) -> None:
    """Change the amount of an organisation's price offer (its time is stamped anew)."""
    st = state(ctx)
    accepted = st.handle(EditOffer(lot_id=lot, offer_id=offer_id, amount=parsing.amount(amount), client_key=key,
                                   on_behalf_of=parsing.organization_id(st, org)))
    show(json_out, accepted, lambda c: render_accepted(c, accepted))


@app.command("withdraw")
def withdraw(ctx: typer.Context, *, lot: LotRef,
             offer_id: Annotated[str, typer.Argument(metavar="OFFER", help="Offer id.")],
             org: OrgOption, key: KeyOption = None, json_out: JsonFlag = False) -> None:
    """Withdraw an organisation's price offer."""
    st = state(ctx)
    accepted = st.handle(WithdrawOffer(lot_id=lot, offer_id=offer_id, client_key=key,
                                       on_behalf_of=parsing.organization_id(st, org)))
    show(json_out, accepted, lambda c: render_accepted(c, accepted))


@app.command("list")
def list_(ctx: typer.Context, *, auction: AuctionRef,
          org: Annotated[str | None, typer.Option("--org", help="Only this organisation's bids (id or ИНН).")]
          = None,
          json_out: JsonFlag = False) -> None:
    """Every bid and offer of an auction (staff view), or one organisation's own bids."""
    st = state(ctx)
    auction_id = parsing.auction_id(st, auction)
    organization_id = parsing.organization_id(st, org) if org else None
    found = st.handle(ListBids(auction_id=auction_id, on_behalf_of=organization_id))

    def human(c: Console) -> None:
        if organization_id is not None:
            c.print(table(f"Ставки организации: {len(found)}", ["Лот №", "Id ставки", "Сумма", "Время", "Статус"],
                          ((b.lot_number, b.bid_id, money(b.amount.amount if hasattr(b.amount, "amount")
                                                          else b.amount),
                            when(b.placed_at), "действует" if b.valid else "аннулирована") for b in found),
                          right=["Лот №", "Сумма"]))
            return
        inn = {o.id: o.inn for o in st.handle(ListOrganizations())}
        rows = []
        for lot in found:
            rows.extend((lot.number, "ставка", b.bid_id, b.alias, inn.get(b.organization_id), money(b.amount),
                         when(b.placed_at), "действует" if b.valid else f"аннулирована: {b.annul_reason}")
                        for b in lot.bids)
            rows.extend((lot.number, "предложение", o.offer_id, "—", inn.get(o.organization_id), money(o.amount),
                         when(o.submitted_at), o.status + (f", правок: {o.revisions}" if o.revisions else ""))
                        for o in lot.offers)
        c.print(table(f"Ставки и предложения: {len(rows)}",
                      ["Лот №", "Вид", "Id", "Псевдоним", "ИНН", "Сумма", "Время", "Статус"], rows,
                      right=["Лот №", "Сумма"]))

    show(json_out, found, human)


@app.command("annul")
def annul(ctx: typer.Context, *, lot: LotRef,
          bid: Annotated[str, typer.Argument(metavar="BID", help="Bid id.")],
          reason: Annotated[str, typer.Option("--reason", help="Why the bid is annulled.")],
          json_out: JsonFlag = False) -> None:
    """Annul an open bid; the leader is recomputed from the remaining valid bids."""
    view = state(ctx).handle(AnnulBid(lot_id=lot, bid_id=bid, reason=reason))
    valid = [b for b in view.bids if b.valid]
    show(json_out, view, lambda c: c.print(fields(f"Ставка аннулирована, лот № {view.number}", [
        ("Лидер теперь", f"{money(valid[-1].amount)} ({valid[-1].alias})" if valid else "нет ставок"),
        ("Закрытие", when(view.closes_at))])))
