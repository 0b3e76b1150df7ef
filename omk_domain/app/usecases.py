"""Importing this module registers every use case with the bus."""

from omk_domain.app import auctions, identity, reset, signin, tokens  # noqa: F401
