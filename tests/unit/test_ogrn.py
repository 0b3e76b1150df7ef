"""OGRN, OGRNIP and the SAP customer number: accepted only with the right length, digits and check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_domain.identity.validators import (
    OgrnInvalid,
    OgrnipInvalid,
    SapCustomerNoInvalid,
    ogrn_is_valid,
    ogrnip_is_valid,
    validate_ogrn,
    validate_ogrnip,
    validate_sap_customer_no,
)
from omk_domain.shared.errors import InvalidValue

pytestmark = pytest.mark.unit

# The published algorithm (Federal Tax Service), written out again here on purpose:
# OGRN — the first 12 digits as a number mod 11, then mod 10; OGRNIP — the first 14 mod 13, mod 10.
OGRN = (13, 11)
OGRNIP = (15, 13)


def residue(number: str, kind: tuple[int, int]) -> int:
    length, modulus = kind
    return int(number[:length - 1]) % modulus


def with_check_digit(body: str) -> str:
    kind = OGRN if len(body) == 12 else OGRNIP
    return body + str(residue(body + "0", kind) % 10)


valid_ogrns = st.text(alphabet="0123456789", min_size=12, max_size=12).map(with_check_digit)
valid_ogrnips = st.text(alphabet="0123456789", min_size=14, max_size=14).map(with_check_digit)


def one_digit_changed(number: str, data: st.DataObject) -> str:
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    return number[:position] + digit + number[position + 1:]


# --- known numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("ogrn", ["1027700132195", "1027739609391", "1027700070518", "1037739010891"])
def test_known_real_ogrns_are_valid(ogrn: str) -> None:
    assert ogrn_is_valid(ogrn)
    assert validate_ogrn(f" {ogrn}\n") == ogrn


@pytest.mark.parametrize("ogrnip", ["304500116000157", "316861700133226"])
def test_known_real_ogrnips_are_valid(ogrnip: str) -> None:
    assert ogrnip_is_valid(ogrnip)
    assert validate_ogrnip(f" {ogrnip} ") == ogrnip


@pytest.mark.parametrize("ogrn", [
    "1027700132196",    # wrong check digit
    "1027700132159",    # two digits swapped
    "102770013219",     # twelve digits
    "10277001321950",   # fourteen digits
    "304500116000157",  # an OGRNIP is not an OGRN
    "1O27700132195",    # letter O instead of zero
    "１０２７７００１３２１９５",  # full-width digits
    "",
])
def test_malformed_ogrns_are_invalid(ogrn: str) -> None:
    assert not ogrn_is_valid(ogrn)
    with pytest.raises(OgrnInvalid) as caught:
        validate_ogrn(ogrn)
    assert "ОГРН" in caught.value.user_message()
    assert isinstance(caught.value, InvalidValue)


@pytest.mark.parametrize("ogrnip", [
    "304500116000158",  # wrong check digit
    "304770000137541",  # an often-quoted «example» whose check digit the published algorithm refutes
    "30450011600015",   # fourteen digits
    "1027700132195",    # an OGRN is not an OGRNIP
    "3045001160001 7",
    "",
])
def test_malformed_ogrnips_are_invalid(ogrnip: str) -> None:
    assert not ogrnip_is_valid(ogrnip)
    with pytest.raises(OgrnipInvalid) as caught:
        validate_ogrnip(ogrnip)
    assert "ОГРНИП" in caught.value.user_message()


def test_a_non_string_is_neither() -> None:
    assert not ogrn_is_valid(1027700132195)  # type: ignore[arg-type]
    assert not ogrnip_is_valid(None)  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------------------------

@given(valid_ogrns)
def test_any_ogrn_completed_by_the_published_algorithm_is_valid(ogrn: str) -> None:
    assert ogrn_is_valid(ogrn)


@given(valid_ogrnips)
def test_any_ogrnip_completed_by_the_published_algorithm_is_valid(ogrnip: str) -> None:
    assert ogrnip_is_valid(ogrnip)


@given(st.one_of(valid_ogrns, valid_ogrnips), st.data())
def test_changing_the_check_digit_always_breaks_the_checksum(number: str, data: st.DataObject) -> None:
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[-1]]))
    changed = number[:-1] + digit
    assert not (ogrn_is_valid(changed) or ogrnip_is_valid(changed))


@given(valid_ogrns, st.data())
def test_changing_one_digit_of_an_ogrn_breaks_it_unless_the_residue_folds_10_onto_0(
        ogrn: str, data: st.DataObject) -> None:
    """A one-digit change moves the body by d·10^k with 0 < |d| < 10, never a multiple of 11
    (11 is prime and divides neither d nor 10^k), so the residue mod 11 always changes. The check
    digit keeps only `residue mod 10`: residues 10 and 0 both give 0, a blind spot of OGRN itself.
    """
    changed = one_digit_changed(ogrn, data)
    before, after = residue(ogrn, OGRN), residue(changed, OGRN)
    assert before != after or changed[:12] == ogrn[:12]
    folded = changed[12] == ogrn[12] and {before, after} == {0, 10}
    assert ogrn_is_valid(changed) is folded


@given(valid_ogrnips, st.data())
def test_changing_one_digit_of_an_ogrnip_breaks_it_unless_residues_ten_apart_fold_together(
        ogrnip: str, data: st.DataObject) -> None:
    """As for OGRN with 13 in place of 11 (also prime to every d·10^k): the residue mod 13 always
    changes, and the check digit `residue mod 10` misses only a move between 0 and 10, 1 and 11,
    or 2 and 12.
    """
    changed = one_digit_changed(ogrnip, data)
    before, after = residue(ogrnip, OGRNIP), residue(changed, OGRNIP)
    assert before != after or changed[:14] == ogrnip[:14]
    folded = changed[14] == ogrnip[14] and abs(before - after) == 10
    assert ogrnip_is_valid(changed) is folded


def test_the_fold_is_a_real_blind_spot_of_both_algorithms() -> None:
    assert (int("100000000001") % 11, int("101000000001") % 11) == (0, 10)
    assert ogrn_is_valid("1000000000010") and ogrn_is_valid("1010000000010")  # one digit apart
    assert (int("30000000000009") % 13, int("30900000000009") % 13) == (0, 10)
    assert ogrnip_is_valid("300000000000090") and ogrnip_is_valid("309000000000090")


# --- SAP customer number ----------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("12345", "0000012345"), ("0000012345", "0000012345"), (" 1000000001 ", "1000000001"), ("7", "0000000007"),
])
def test_a_sap_customer_number_is_kept_in_sap_form_zero_padded_to_ten_digits(typed: str, stored: str) -> None:
    assert validate_sap_customer_no(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", "12345678901", "12-345", "A123", "0000000000", "１２３"])
def test_a_malformed_sap_customer_number_is_refused(typed: str) -> None:
    with pytest.raises(SapCustomerNoInvalid):
        validate_sap_customer_no(typed)
