"""The lot search query: free text plus filters, a page and an order; validated on construction.

The free text is parsed here, once, into clauses — the same words reach every index: words
in a clause must all occur, a word written with a leading «-» must not, and the word «or» (or
«или») between words starts another clause any of which may match (the web-search syntax of
PostgreSQL's `websearch_to_tsquery`; quotes are read as plain word separators). Matching folds
case and «ё» to «е» everywhere.
"""

from __future__ import annotations

import enum
import math
import re

import attrs

from omk_domain.auctions.values import AuctionStatus, LotStatus
from omk_domain.search.errors import SearchPageInvalid, SearchQueryInvalid, SearchRangeInvalid

TEXT_MAX = 200
PAGE_MAX = 100
#: words are runs of letters and digits; everything else separates them
_WORD = re.compile(r"[^\W_]+")
_OR_WORDS = frozenset({"or", "или"})


def fold(text: str) -> str:
    """Lower case with «ё» read as «е»: how every word and filter value is compared."""
    return text.casefold().replace("ё", "е")


def key_of(value: str) -> str:
    """The comparison key of a filter value: folded, with runs of spaces made one."""
    return " ".join(fold(value).split())


def words_of(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD.findall(fold(text))


class SortOrder(enum.Enum):
    """How found lots are ordered; ties always fall back to auction number, then lot number."""

    RELEVANCE = "relevance"  # best text match first (by auction and lot number without text)
    NUMBER = "number"  # auction number, then lot number
    DIAMETER = "diameter"  # smallest diameter first, lots without one last
    DIAMETER_DESC = "diameter_desc"
    START_PRICE = "start_price"  # cheapest first
    START_PRICE_DESC = "start_price_desc"


@attrs.frozen(kw_only=True)
class TextClause:
    """Words that must all occur (`include`) and words that must not (`exclude`), folded."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()


def parse_text(text: str) -> tuple[TextClause, ...]:
    """Clauses of the free text (any may match); none for blank text."""
    clauses: list[TextClause] = []
    include: list[str] = []
    exclude: list[str] = []

    def close() -> None:
        if exclude and not include:
            raise SearchQueryInvalid("Добавьте к исключаемым словам (с «-») хотя бы одно искомое слово.")
        if include:
            clauses.append(TextClause(include=tuple(include), exclude=tuple(exclude)))
        include.clear()
        exclude.clear()

    for token in fold(text).replace('"', " ").split():
        negated = token.startswith("-")
        words = _WORD.findall(token)
        if not negated and token in _OR_WORDS:
            close()
            continue
        (exclude if negated else include).extend(words)
    close()
    return tuple(clauses)


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > TEXT_MAX:
        raise SearchQueryInvalid(f"Значение фильтра — не длиннее {TEXT_MAX} символов.")
    return text or None


def _size(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise SearchRangeInvalid("Размеры в фильтре — неотрицательные числа миллиметров.")
    return number


@attrs.frozen(kw_only=True)
class SizeRange:
    """An inclusive range of millimetres; an open end is None."""

    low: float | None = attrs.field(default=None, converter=_size)
    high: float | None = attrs.field(default=None, converter=_size)

    def __attrs_post_init__(self) -> None:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise SearchRangeInvalid(f"Нижняя граница ({self.low:g} мм) больше верхней ({self.high:g} мм).")

    @property
    def bounded(self) -> bool:
        return self.low is not None or self.high is not None

    def contains(self, value: float | None) -> bool:
        """Whether a lot's size is in the range; a lot without the size is only in an open range."""
        if not self.bounded:
            return True
        if value is None:
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _text(value: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > TEXT_MAX:
        raise SearchQueryInvalid(f"Поисковая строка — не длиннее {TEXT_MAX} символов.")
    return text


def _limit(value: int) -> int:
    if not 1 <= value <= PAGE_MAX:
        raise SearchPageInvalid(f"На странице — от 1 до {PAGE_MAX} лотов.")
    return value


def _offset(value: int) -> int:
    if value < 0:
        raise SearchPageInvalid("Смещение страницы не может быть отрицательным.")
    return value


@attrs.frozen(kw_only=True)
class LotQuery:
    """What a person looks for among lots: free text, filters (all must hold), a page and an order."""

    text: str = attrs.field(default="", converter=_text)
    product_type: str | None = attrs.field(default=None, converter=_optional_text)
    diameter: SizeRange = attrs.field(factory=SizeRange)
    wall: SizeRange = attrs.field(factory=SizeRange)
    steel_grade: str | None = attrs.field(default=None, converter=_optional_text)
    standard: str | None = attrs.field(default=None, converter=_optional_text)
    warehouse: str | None = attrs.field(default=None, converter=_optional_text)
    auction_id: str | None = attrs.field(default=None, converter=_optional_text)
    lot_status: LotStatus | None = None
    auction_status: AuctionStatus | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    limit: int = attrs.field(default=20, converter=_limit)
    offset: int = attrs.field(default=0, converter=_offset)
    clauses: tuple[TextClause, ...] = attrs.field(init=False)

    @clauses.default
    def _parse(self) -> tuple[TextClause, ...]:
        return parse_text(self.text)

    @property
    def has_text(self) -> bool:
        return bool(self.clauses)

    def keys(self) -> dict[str, str]:
        """The exact-value filters given, as comparison keys by field name."""
        values = {"product_type": self.product_type, "steel_grade": self.steel_grade,
                  "standard": self.standard, "warehouse": self.warehouse}
        return {name: key_of(value) for name, value in values.items() if value is not None}


@attrs.frozen(kw_only=True)
class SearchScope:
    """What the asker may see at all, set by the use case (never by the asker): an index searches
    only inside it, and the use case still checks every lot it returns."""

    #: None: every auction; otherwise only lots of these auctions
    auction_ids: frozenset[str] | None = None
    #: lots of auctions in these statuses only
    auction_statuses: frozenset[AuctionStatus] = frozenset(AuctionStatus)

    def allows(self, auction_id: str, auction_status: AuctionStatus) -> bool:
        return ((self.auction_ids is None or auction_id in self.auction_ids)
                and auction_status in self.auction_statuses)
