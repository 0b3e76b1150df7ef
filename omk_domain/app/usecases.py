"""Importing this module registers every use case with the bus."""

from omk_domain.app import (  # noqa: F401
    account,
    auctions,
    browse,
    cabinet,
    identity,
    invitations,
    lot_page,
    portal,
    registration,
    requests,
    reset,
    search,
    signin,
    tokens,
    two_factor,
)
