"""The in-memory lot search: the embedded index's analysis (Snowball stems, PostgreSQL's stop
words, «ё» read as «е») over a dictionary, for tests, BDD and quick demos."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence

from omk_adapters.search.analysis import term_clauses, terms
from omk_adapters.search.ordering import matches, passes_filters, score, sort_key
from omk_domain.search import LotDocument, LotQuery, LotSearchResult, SearchScope
from omk_domain.search.document import FACET_LIMIT, facet_counts


class InMemoryLotSearch:
    """A LotSearch holding documents and their terms in a dictionary; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[LotDocument, Counter[str]]] = {}

    def index(self, documents: Sequence[LotDocument]) -> None:
        entries = [(d, terms(d.text)) for d in documents]
        with self._lock:
            for doc, counted in entries:
                self._docs[doc.lot_id] = (doc, counted)

    def remove(self, lot_ids: Sequence[str]) -> None:
        with self._lock:
            for lot_id in lot_ids:
                self._docs.pop(lot_id, None)

    def replace_all(self, documents: Iterable[LotDocument]) -> int:
        fresh = {d.lot_id: (d, terms(d.text)) for d in documents}
        with self._lock:
            self._docs = fresh
            return len(fresh)

    def count(self) -> int:
        return len(self._docs)

    def search(self, query: LotQuery, scope: SearchScope) -> LotSearchResult:
        clauses = term_clauses(query.clauses)
        with self._lock:
            entries = list(self._docs.values())
        found: list[tuple[tuple[object, ...], LotDocument]] = []
        if not query.has_text or clauses:
            for doc, counted in entries:
                if not passes_filters(doc, query, scope):
                    continue
                if clauses and not matches(counted, clauses):
                    continue
                found.append((sort_key(doc, score(counted, clauses), query), doc))
        found.sort(key=lambda pair: pair[0])  # type: ignore[arg-type,return-value]
        docs = [doc for _, doc in found]
        page = docs[query.offset:query.offset + query.limit]
        return LotSearchResult(lot_ids=tuple(d.lot_id for d in page), total=len(docs),
                               facets=facet_counts(docs) if len(docs) <= FACET_LIMIT else {})


__all__ = ["InMemoryLotSearch"]
