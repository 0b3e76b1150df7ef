"""Errors of lot search: a malformed query, told in Russian."""

from __future__ import annotations

from omk_domain.shared.errors import InvalidValue


class SearchQueryInvalid(InvalidValue):
    """The search query or one of its filters is malformed."""

    code = "search_query_invalid"
    message_ru = "Неверный поисковый запрос."


class SearchRangeInvalid(SearchQueryInvalid):
    """A «from–to» filter has its lower bound above its upper bound, or a bound below zero."""

    code = "search_range_invalid"
    message_ru = "Неверный диапазон в фильтре поиска."


class SearchPageInvalid(SearchQueryInvalid):
    """The page size or the offset is out of bounds."""

    code = "search_page_invalid"
    message_ru = "Неверные параметры страницы результатов."
