"""Auctions: the auction and lot aggregates, the bidding rules, the journal, the read models."""
