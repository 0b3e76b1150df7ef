"""INN and KPP: registration numbers are accepted only with the right length, digits and checksum."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_domain.identity.model import Organization
from omk_domain.identity.validators import InnInvalid, KppInvalid, inn_is_valid, validate_inn, validate_kpp
from omk_domain.shared.errors import InvalidValue

pytestmark = pytest.mark.unit

# The published algorithm (Federal Tax Service), written out again here on purpose.
W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def residue(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11


def control(digits: str, weights: tuple[int, ...]) -> str:
    return str(residue(digits, weights) % 10)


def with_checksum(body: str) -> str:
    """Complete a 9-digit body into a legal entity's INN, an 10-digit one into an individual's."""
    if len(body) == 9:
        return body + control(body, W10)
    eleven = body + control(body, W11)
    return eleven + control(eleven, W12)


digits9 = st.text(alphabet="0123456789", min_size=9, max_size=9)
digits10 = st.text(alphabet="0123456789", min_size=10, max_size=10)
valid_inns = st.one_of(digits9, digits10).map(with_checksum)


@pytest.mark.parametrize("inn", ["7707083893", "7736207543", "500100732259", "7830002293"])
def test_known_real_inns_are_valid(inn: str) -> None:
    assert inn_is_valid(inn)
    assert validate_inn(inn) == inn


@pytest.mark.parametrize("inn", [
    "7707083894",      # wrong control digit
    "7707083839",      # two digits swapped
    "500100732258",    # wrong second control digit of an individual
    "500100732249",    # wrong first control digit of an individual
    "770708389",       # too short
    "77070838931",     # eleven digits: neither kind
    "7707083893 ",     # trailing space is not a digit (validate_inn trims it)
    "77O7083893",      # letter O instead of zero
    "７７０７０８３８９３",  # full-width digits
    "",
    "0000000001",
])
def test_malformed_or_miscounted_inns_are_invalid(inn: str) -> None:
    assert not inn_is_valid(inn)


def test_a_non_string_is_not_an_inn() -> None:
    assert not inn_is_valid(7707083893)  # type: ignore[arg-type]
    assert not inn_is_valid(None)  # type: ignore[arg-type]


def test_validate_inn_trims_spaces_and_refuses_bad_numbers_with_a_russian_message() -> None:
    assert validate_inn("  7707083893\n") == "7707083893"
    with pytest.raises(InnInvalid) as caught:
        validate_inn("7707083894")
    assert "ИНН" in caught.value.user_message()
    assert isinstance(caught.value, InvalidValue)


@given(valid_inns)
def test_any_number_completed_by_the_published_algorithm_is_valid(inn: str) -> None:
    assert inn_is_valid(inn)


@given(valid_inns, st.data())
def test_changing_a_control_digit_always_breaks_the_checksum(inn: str, data: st.DataObject) -> None:
    position = data.draw(st.sampled_from([len(inn) - 1] if len(inn) == 10 else [10, 11]))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != inn[position]]))
    assert not inn_is_valid(inn[:position] + digit + inn[position + 1:])


@given(valid_inns, st.data())
def test_changing_any_one_digit_breaks_the_checksum_unless_the_control_residue_folds_10_onto_0(
        inn: str, data: st.DataObject) -> None:
    """The algorithm keeps `residue mod 11 mod 10`: residues 10 and 0 both give control digit 0.

    A one-digit change always moves the residue mod 11 (every weight is prime to 11), so it is
    caught — except when the residue moves between 0 and 10, which the published algorithm
    cannot see. That is a property of INN itself, not of our validator.
    """
    position = data.draw(st.integers(min_value=0, max_value=len(inn) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != inn[position]]))
    changed = inn[:position] + digit + inn[position + 1:]
    checks = [(10, W10)] if len(inn) == 10 else [(11, W11), (12, W12)]
    for length, weights in checks:
        body = changed[:length - 1]
        assert residue(body, weights) != residue(inn[:length - 1], weights) or body == inn[:length - 1]
    folded = all({residue(changed[:n - 1], w), residue(inn[:n - 1], w)} <= {0, 10}
                 and changed[n - 1] == inn[n - 1] for n, w in checks)
    assert inn_is_valid(changed) is folded


def test_the_10_onto_0_fold_is_a_real_blind_spot_of_the_algorithm() -> None:
    assert inn_is_valid("7700000070")
    assert inn_is_valid("2700000070")  # one digit changed, still «valid»


@pytest.mark.parametrize("kpp", ["773601001", "7736AB001", " 773601001 ", "7736ab001"])
def test_a_kpp_has_four_digits_two_digits_or_latin_capitals_and_three_digits(kpp: str) -> None:
    assert validate_kpp(kpp) == kpp.strip().upper()


@pytest.mark.parametrize("kpp", ["77360100", "7736010011", "77360Я001", "A73601001", "7736010O1", ""])
def test_a_malformed_kpp_is_refused(kpp: str) -> None:
    with pytest.raises(KppInvalid):
        validate_kpp(kpp)


def test_an_individual_with_a_twelve_digit_inn_has_no_kpp() -> None:
    with pytest.raises(InvalidValue):
        Organization.register(name="ИП Иванов", inn="500100732259", kpp="773601001",
                              now=datetime(2026, 12, 1, tzinfo=UTC))
