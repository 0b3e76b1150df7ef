"""Turning what a person typed into command values: times, amounts, durations, references.

References: an auction by id or by its number; an organisation by id or by INN; a user by id or by
email. Lots, bids and offers by their ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import typer

from omk_adapters.files.moscow import parse_moment
from omk_cli.context import CliState
from omk_domain.auctions.errors import AuctionInvalid
from omk_domain.identity.model import OrganizationNotFound, Role, UserNotFound
from omk_domain.identity.policy import Permission
from omk_domain.shared.money import Money


def moment(text: str | None) -> datetime | None:
    """ISO 8601; naive means Moscow time; returned as aware UTC."""
    return None if text is None else parse_moment(text)


def amount(text: str) -> Money:
    """A positive amount in roubles: «85000», «85 000,50», «85000.5»."""
    return Money.parse_positive(text)


def optional_amount(text: str | None) -> Money | None:
    return None if text is None else amount(text)


def minutes(value: float | None) -> timedelta | None:
    if value is None:
        return None
    if value < 0:
        raise AuctionInvalid("Параметры мягкого закрытия не могут быть отрицательными.")
    return timedelta(minutes=value)


def auction_id(st: CliState, ref: str) -> str:
    """The id of the auction numbered `ref`, or with id `ref`; AuctionNotFound otherwise."""
    text = ref.strip()
    with st.services().uow_factory() as uow:
        found = uow.auctions.by_number(text)
        return found.id if found is not None else uow.auctions.get(text).id


def organization_id(st: CliState, ref: str) -> str:
    """The id of the organisation with INN `ref`, or with id `ref`; OrganizationNotFound otherwise."""
    text = ref.strip()
    with st.services().uow_factory() as uow:
        if text.isdigit() and len(text) in (10, 12):
            found = uow.organizations.by_inn(text)
            if found is None:
                raise OrganizationNotFound(inn=text)
            return found.id
        return uow.organizations.get(text).id


def user_id(st: CliState, ref: str) -> str:
    """The id of the user with email `ref`, or with id `ref`; UserNotFound otherwise."""
    text = ref.strip()
    with st.services().uow_factory() as uow:
        if "@" in text:
            found = uow.users.by_email(text)
            if found is None:
                raise UserNotFound(email=text)
            return found.id
        return uow.users.get(text).id


def actor_id(st: CliState, ref: str) -> str:
    """Who acted, for filtering the audit log: a user by email, else the id as given ("cli", "system")."""
    return user_id(st, ref) if "@" in ref else ref.strip()


def role(text: str) -> Role:
    """A role by its name, any case («organiser» is the auction organiser); a usage error otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise typer.BadParameter(f"unknown role {text!r}; one of: {', '.join(r.value for r in Role)}") from None


def permission(text: str) -> Permission:
    """A permission by its dotted name («auction.view»); a usage error otherwise."""
    try:
        return Permission(text.strip().lower())
    except ValueError:
        raise typer.BadParameter(f"unknown permission {text!r}; one of: {', '.join(p.value for p in Permission)}") \
            from None


def until(text: str) -> datetime:
    """An expiry: a date («2027-01-31») means through that day, Moscow time; a moment is taken as it is."""
    moment_ = parse_moment(text)
    return moment_ + timedelta(days=1) if len(text.strip()) == 10 else moment_
