"""What the embedded indexes share: matching a document against a query's filters, and the order."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from omk_domain.search import LotDocument, LotQuery, SearchScope, SortOrder, TextClause


def passes_filters(doc: LotDocument, query: LotQuery, scope: SearchScope) -> bool:
    """Whether a document is inside the scope and meets every filter of the query (text aside)."""
    if not scope.allows(doc.auction_id, doc.auction_status):
        return False
    if query.auction_id is not None and doc.auction_id != query.auction_id:
        return False
    if query.lot_status is not None and doc.lot_status is not query.lot_status:
        return False
    if query.auction_status is not None and doc.auction_status is not query.auction_status:
        return False
    if any(doc.key(field) != key for field, key in query.keys().items()):
        return False
    return query.diameter.contains(doc.diameter_mm) and query.wall.contains(doc.wall_mm)


def matches(terms: Mapping[str, int], clauses: tuple[TextClause, ...]) -> bool:
    """Any clause whose wanted terms all occur and whose excluded terms do not."""
    return any(all(t in terms for t in c.include) and not any(t in terms for t in c.exclude) for c in clauses)


def score(terms: Mapping[str, int], clauses: tuple[TextClause, ...]) -> int:
    """Relevance: how often the wanted terms occur in the text (each term counted once per query)."""
    wanted = {t for c in clauses for t in c.include}
    return sum(terms.get(t, 0) for t in wanted)


def sort_key(doc: LotDocument, relevance: int, query: LotQuery) -> tuple[object, ...]:
    """The order of found lots; ties by auction number (code-point order), lot number, lot id."""
    tail = (doc.auction_number, doc.lot_number, doc.lot_id)
    sort = query.sort
    if sort is SortOrder.RELEVANCE:
        return (-relevance, *tail) if query.has_text else tail
    if sort in (SortOrder.DIAMETER, SortOrder.DIAMETER_DESC):
        size = doc.diameter_mm or 0.0
        return (doc.diameter_mm is None, size if sort is SortOrder.DIAMETER else -size, *tail)
    if sort in (SortOrder.START_PRICE, SortOrder.START_PRICE_DESC):
        price: Decimal = doc.start_price
        return (price if sort is SortOrder.START_PRICE else -price, *tail)
    return tail
