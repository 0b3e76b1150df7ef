"""Lot search: the query (free text, filters, page, order), the scope it runs in, and its result."""

from omk_domain.search.document import FACET_LIMIT, FACETS, FacetCount, LotDocument, LotSearchResult, document_of
from omk_domain.search.errors import SearchPageInvalid, SearchQueryInvalid, SearchRangeInvalid
from omk_domain.search.query import (
    PAGE_MAX,
    LotQuery,
    SearchScope,
    SizeRange,
    SortOrder,
    TextClause,
    fold,
    key_of,
    parse_text,
    words_of,
)

__all__ = [
    "FACETS", "FACET_LIMIT", "PAGE_MAX", "FacetCount", "LotDocument", "LotQuery", "LotSearchResult",
    "SearchPageInvalid", "SearchQueryInvalid", "SearchRangeInvalid", "SearchScope", "SizeRange", "SortOrder",
    "TextClause", "document_of", "fold", "key_of", "parse_text", "words_of",
]
