"""The auction-list filters every list reads from the query string, declared once.

The API takes typed values: a wrong one is a 400 problem before any use case runs, and the OpenAPI
document names each parameter with its type and a Russian description. `api_auction_filter` is the
dependency the API lists share (`dependencies={"auction_filter": AUCTION_FILTER}` with a parameter
`auction_filter: ListFilter`): it turns the query into the domain's `AuctionFilter`. The pages take
the strings a form sends (empty when nothing was chosen): `FormAuctionFilter` parses them and names
what does not parse beside its field.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

import attrs
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from omk_adapters.files.moscow import parse_moment
from omk_domain.auctions.values import AuctionFormat, AuctionStatus
from omk_domain.ports import AuctionFilter
from omk_domain.shared.errors import DomainError
from omk_web.paging import Limit, Offset

TEXT_MAX = 200

# --- typed parameters (the API; the calendar page's choices) ------------------------------------
Status = Annotated[AuctionStatus | None, QueryParameter(description="Статус аукциона")]
Format = Annotated[AuctionFormat | None, QueryParameter(name="format", description="Форма торгов")]
Text = Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="Номер или название аукциона")]
StartsFrom = Annotated[datetime | None, QueryParameter(
    name="from", description="Начало торгов не раньше (ISO 8601 с часовым поясом)")]
StartsUntil = Annotated[datetime | None, QueryParameter(
    name="until", description="Начало торгов раньше (ISO 8601 с часовым поясом)")]
#: the calendar's range: auctions running at some moment of [from, until)
RangeFrom = Annotated[datetime | None, QueryParameter(
    name="from", description="Начало периода (ISO 8601 с часовым поясом)")]
RangeUntil = Annotated[datetime | None, QueryParameter(
    name="until", description="Конец периода, не включая (ISO 8601 с часовым поясом)")]
#: a page's day range (Moscow days, both included)
DayFrom = Annotated[date | None, QueryParameter(name="from", description="С этого дня (ГГГГ-ММ-ДД)")]
DayUntil = Annotated[date | None, QueryParameter(name="until", description="По этот день (ГГГГ-ММ-ДД)")]

# --- form parameters (the pages: strings, empty when not chosen) ---------------------------------
FormStatus = Annotated[str | None, QueryParameter(name="status", required=False, description="Статус аукциона")]
FormDayFrom = Annotated[str | None, QueryParameter(name="from", required=False, description="С этого дня")]
FormDayUntil = Annotated[str | None, QueryParameter(name="until", required=False, description="По этот день")]
FormText = Annotated[str | None, QueryParameter(name="q", required=False, max_length=TEXT_MAX,
                                                description="Номер или название аукциона")]


def api_auction_filter(*, status: Status = None, starts_from: StartsFrom = None, starts_until: StartsUntil = None,
                       q: Text = None, limit: Limit = 50, offset: Offset = 0) -> AuctionFilter:
    """The filter of an API list of auctions: by status, start time and text, one page of it."""
    return AuctionFilter(status=status, starts_from=starts_from, starts_until=starts_until, text=q, limit=limit,
                         offset=offset)


#: the dependency every API list of auctions declares as `auction_filter` ...
AUCTION_FILTER = Provide(api_auction_filter, sync_to_thread=False)
#: ... and the handler's parameter it fills: `auction_filter: ListFilter`
ListFilter = NamedDependency[AuctionFilter]

DAY_INVALID_RU = "Дата — в виде ГГГГ-ММ-ДД, например 2026-12-01."
STATUS_INVALID_RU = "Такого статуса нет: выберите из списка."


@attrs.frozen(kw_only=True)
class FormAuctionFilter:
    """A page's filter form as sent (strings, empty when not chosen): the values parsed, each refusal
    in Russian under its field's name, and the query to keep the filter in the pager's links."""

    status: str = ""
    starts_from: str = ""
    starts_until: str = ""
    text: str = ""

    @classmethod
    def of(cls, status: str | None, starts_from: str | None, starts_until: str | None,
           text: str | None) -> FormAuctionFilter:
        return cls(status=status or "", starts_from=starts_from or "", starts_until=starts_until or "",
                   text=text or "")

    @property
    def query(self) -> dict[str, str]:
        return {"status": self.status, "from": self.starts_from, "until": self.starts_until, "q": self.text}

    def parse(self, *, limit: int, offset: int) -> tuple[AuctionFilter, dict[str, str]]:
        """The domain filter (the `until` day included) and what did not parse, by field."""
        errors: dict[str, str] = {}
        chosen: AuctionStatus | None = None
        if self.status:
            try:
                chosen = AuctionStatus(self.status)
            except ValueError:
                errors["status"] = STATUS_INVALID_RU
        bounds: dict[str, datetime | None] = {"from": None, "until": None}
        for key, text in (("from", self.starts_from), ("until", self.starts_until)):
            if text:
                try:
                    bounds[key] = parse_moment(text)
                except DomainError:
                    errors[key] = DAY_INVALID_RU
        until = bounds["until"] + timedelta(days=1) if bounds["until"] is not None else None
        return AuctionFilter(status=chosen, starts_from=bounds["from"], starts_until=until,
                             text=self.text or None, limit=limit, offset=offset), errors
