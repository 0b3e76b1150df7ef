"""What an index keeps about a lot (its searchable text and filter values), and what it finds."""

from __future__ import annotations

from decimal import Decimal

import attrs

from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionStatus, LotStatus
from omk_domain.search.query import key_of

#: the exact-value filters that have facet counts
FACETS = ("product_type", "steel_grade", "standard", "warehouse")
#: facets are counted when at most this many lots are found (cheap then on every index); above it
#: they are left out — a search that broad is narrowed first
FACET_LIMIT = 5_000


@attrs.frozen(kw_only=True)
class LotDocument:
    """A lot as a search index keeps it. Only public terms: never bids, offers or the floor price."""

    lot_id: str
    auction_id: str
    auction_number: str
    auction_status: AuctionStatus
    lot_number: int
    lot_status: LotStatus
    title: str
    product_type: str
    diameter_mm: float | None
    wall_mm: float | None
    steel_grade: str
    standard: str
    warehouse: str
    start_price: Decimal

    @property
    def text(self) -> str:
        """The free text searched: the title and the product's words."""
        return " ".join(part for part in (self.title, self.product_type, self.steel_grade, self.standard,
                                          self.warehouse) if part)

    def key(self, field: str) -> str:
        """The comparison key of an exact-value field (see `key_of`)."""
        value: str = getattr(self, field)
        return key_of(value)


def document_of(auction: Auction, lot: Lot) -> LotDocument:
    p = lot.product
    return LotDocument(lot_id=lot.id, auction_id=auction.id, auction_number=auction.number,
                       auction_status=auction.status, lot_number=lot.number, lot_status=lot.status,
                       title=lot.title, product_type=p.product_type.strip(), diameter_mm=p.diameter_mm,
                       wall_mm=p.wall_mm, steel_grade=p.steel_grade.strip(), standard=p.standard.strip(),
                       warehouse=p.warehouse.strip(), start_price=lot.start_price.amount)


@attrs.frozen(kw_only=True)
class FacetCount:
    """How many found lots have one value of a filter field."""

    value: str
    count: int


@attrs.frozen(kw_only=True)
class LotSearchResult:
    """One page of found lot ids, the number of all found, and counts per filter value."""

    lot_ids: tuple[str, ...]
    total: int
    #: per field of FACETS: its values among all found lots (not just this page), most frequent first;
    #: empty when more than FACET_LIMIT lots were found
    facets: dict[str, tuple[FacetCount, ...]] = attrs.field(factory=dict)


def facet_counts(documents: list[LotDocument]) -> dict[str, tuple[FacetCount, ...]]:
    """Facet counts over found documents (see `merge_facets`)."""
    spelled: dict[str, dict[str, int]] = {}
    for field in FACETS:
        counts = spelled[field] = {}
        for doc in documents:
            value: str = getattr(doc, field)
            if value:
                counts[value] = counts.get(value, 0) + 1
    return {field: merge_facets(counts) for field, counts in spelled.items()}


def merge_facets(spellings: dict[str, int]) -> tuple[FacetCount, ...]:
    """Counts per spelling merged per comparison key, shown as the key's smallest spelling; most frequent first."""
    merged: dict[str, tuple[str, int]] = {}
    for value, count in spellings.items():
        key = key_of(value)
        shown, total = merged.get(key, (value, 0))
        merged[key] = (min(shown, value), total + count)
    return tuple(sorted((FacetCount(value=v, count=c) for v, c in merged.values()),
                        key=lambda f: (-f.count, key_of(f.value), f.value)))
