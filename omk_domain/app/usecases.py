"""Importing this module registers every use case with the bus."""

from omk_domain.app import auctions, identity, invitations, registration, reset, signin, tokens  # noqa: F401
