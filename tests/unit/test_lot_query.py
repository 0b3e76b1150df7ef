"""The lot search query: what it accepts, how it reads free text, and how it refuses, in Russian."""

from __future__ import annotations

import pytest

from omk_domain.search import (
    LotQuery,
    SearchPageInvalid,
    SearchQueryInvalid,
    SearchRangeInvalid,
    SizeRange,
    TextClause,
    parse_text,
)

pytestmark = pytest.mark.unit


def test_words_are_folded_with_yo_read_as_ye_and_quotes_ignored() -> None:
    assert parse_text('Тёплые "ТРУБЫ"') == (TextClause(include=("теплые", "трубы")),)


def test_or_separates_alternatives_and_a_leading_minus_excludes() -> None:
    assert parse_text("труба -сварная или лист or отвод") == (
        TextClause(include=("труба",), exclude=("сварная",)), TextClause(include=("лист",)),
        TextClause(include=("отвод",)))


def test_blank_text_has_no_clauses() -> None:
    assert LotQuery(text="   ").clauses == ()
    assert not LotQuery().has_text


def test_only_words_to_exclude_is_refused() -> None:
    with pytest.raises(SearchQueryInvalid, match="хотя бы одно искомое слово"):
        LotQuery(text="-сварная")


@pytest.mark.parametrize(("low", "high"), [(720, 530), (-1, None), (None, float("nan"))])
def test_a_size_range_must_be_ordered_and_non_negative(low: float | None, high: float | None) -> None:
    with pytest.raises(SearchRangeInvalid) as caught:
        SizeRange(low=low, high=high)
    assert caught.value.code == "search_range_invalid"
    assert caught.value.user_message().startswith("Неверный диапазон в фильтре поиска.")


def test_range_bounds_are_inclusive_and_an_open_range_admits_lots_without_the_size() -> None:
    assert SizeRange(low=530, high=530).contains(530.0)
    assert not SizeRange(low=530).contains(None)
    assert SizeRange().contains(None)


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (20, -1)])
def test_a_page_is_1_to_100_lots_from_a_non_negative_offset(limit: int, offset: int) -> None:
    with pytest.raises(SearchPageInvalid, match="Неверные параметры страницы"):
        LotQuery(limit=limit, offset=offset)


def test_overlong_text_is_refused() -> None:
    with pytest.raises(SearchQueryInvalid, match="не длиннее 200 символов"):
        LotQuery(text="труба " * 40)


def test_filter_values_compare_by_folded_keys() -> None:
    assert LotQuery(steel_grade=" 09Г2С ", warehouse="Склад  Выкса").keys() == {
        "steel_grade": "09г2с", "warehouse": "склад выкса"}
