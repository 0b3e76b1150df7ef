"""One-time codes and recovery codes: kept only as hashes, short-lived, limited attempts, single use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from omk_domain.identity.otp import (
    RECOVERY_ALPHABET,
    CodeAlreadyUsed,
    CodeAttemptsExhausted,
    CodeExpired,
    CodePurpose,
    CodeResendTooSoon,
    CodeWrong,
    OneTimeCode,
    RecoveryCodeAlreadyUsed,
    RecoveryCodes,
    RecoveryCodeWrong,
    check_resend,
    new_recovery_code,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CODE = "482913"


def issued(code: str = CODE, **kw: object) -> OneTimeCode:
    defaults: dict[str, object] = {"purpose": CodePurpose.SIGN_IN, "recipient": "+79123456789", "now": NOW,
                                   "salt": bytes(range(16))}
    defaults.update(kw)
    return OneTimeCode.issue(code=code, **defaults)  # type: ignore[arg-type]


def test_the_right_code_is_accepted_once_and_then_is_used() -> None:
    otp = issued()
    otp.verify(CODE, NOW + timedelta(seconds=30))
    assert otp.used_at == NOW + timedelta(seconds=30)
    with pytest.raises(CodeAlreadyUsed):
        otp.verify(CODE, NOW + timedelta(seconds=31))


def test_a_code_lives_five_minutes_and_is_expired_at_exactly_expires_at() -> None:
    otp = issued()
    assert otp.expires_at == NOW + timedelta(minutes=5)
    otp_before = issued()
    otp_before.verify(CODE, otp.expires_at - timedelta(microseconds=1))
    with pytest.raises(CodeExpired) as refused:
        otp.verify(CODE, otp.expires_at)
    assert refused.value.code == "code_expired"
    assert otp.used_at is None


def test_a_wrong_code_spends_an_attempt_and_says_how_many_are_left() -> None:
    otp = issued()
    with pytest.raises(CodeWrong) as refused:
        otp.verify("000000", NOW)
    assert otp.attempts_left == 4
    assert refused.value.context == {"attempts_left": 4}
    assert "Осталось попыток: 4" in refused.value.user_message()


def test_after_five_wrong_attempts_even_the_right_code_is_refused() -> None:
    otp = issued()
    for _ in range(4):
        with pytest.raises(CodeWrong):
            otp.verify("111111", NOW)
    with pytest.raises(CodeAttemptsExhausted):
        otp.verify("111111", NOW)  # the fifth wrong one exhausts them
    with pytest.raises(CodeAttemptsExhausted):
        otp.verify(CODE, NOW)
    assert otp.attempts_left == 0 and otp.used_at is None


def test_lifetime_and_attempts_can_be_chosen_when_issuing() -> None:
    otp = issued(ttl=timedelta(minutes=15), attempts=3)
    assert (otp.expires_at, otp.attempts_left) == (NOW + timedelta(minutes=15), 3)


def test_a_code_typed_with_spaces_or_a_dash_is_the_same_code() -> None:
    issued().verify("482 913", NOW)
    issued().verify("482-913", NOW)


def test_a_code_is_bound_to_its_purpose_and_recipient() -> None:
    otp = issued()
    other_purpose = attrs.evolve(otp, purpose=CodePurpose.RESET_PASSWORD)
    other_recipient = attrs.evolve(otp, recipient="+79990000000")
    assert otp.matches(CODE)
    assert not other_purpose.matches(CODE)
    assert not other_recipient.matches(CODE)


def test_the_code_is_never_stored_in_clear_nor_shown_in_the_repr() -> None:
    otp = issued()
    values = [str(v) for v in attrs.asdict(otp, recurse=True).values()]
    assert CODE not in values
    assert all(CODE not in v for v in values)
    assert CODE not in repr(otp)
    assert otp.code_hash not in repr(otp) and otp.salt not in repr(otp)


def test_two_codes_with_the_same_digits_have_different_hashes() -> None:
    first = OneTimeCode.issue(purpose=CodePurpose.SIGN_IN, recipient="a@omk.ru", code=CODE, now=NOW)
    second = OneTimeCode.issue(purpose=CodePurpose.SIGN_IN, recipient="a@omk.ru", code=CODE, now=NOW)
    assert first.code_hash != second.code_hash


def test_a_new_code_may_be_requested_sixty_seconds_after_the_last_one() -> None:
    last = issued()
    check_resend(None, NOW)
    with pytest.raises(CodeResendTooSoon) as refused:
        check_resend(last, NOW + timedelta(seconds=15, milliseconds=200))
    assert refused.value.context == {"seconds_left": 45}
    assert "Подождите 45 с." in refused.value.user_message()
    check_resend(last, NOW + timedelta(seconds=60))
    check_resend(last, NOW + timedelta(seconds=10), cooldown=timedelta(seconds=10))


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        issued().verify(CODE, datetime(2026, 11, 24, 9, 0))


# --- recovery codes -----------------------------------------------------------------------------

def test_ten_distinct_recovery_codes_are_generated_and_only_their_hashes_kept() -> None:
    stored, shown = RecoveryCodes.generate(now=NOW)
    assert len(shown) == 10 and len(set(shown)) == 10
    assert stored.remaining == 10
    text = repr(stored) + str(attrs.asdict(stored))
    assert not any(code in text or code.replace("-", "") in text for code in shown)


def test_a_recovery_code_reads_as_two_groups_of_five_unambiguous_characters() -> None:
    code = new_recovery_code()
    left, right = code.split("-")
    assert len(left) == len(right) == 5
    assert set(left + right) <= set(RECOVERY_ALPHABET)


def test_each_recovery_code_works_once() -> None:
    stored, shown = RecoveryCodes.generate(now=NOW)
    stored.consume(shown[3], NOW)
    assert stored.remaining == 9
    with pytest.raises(RecoveryCodeAlreadyUsed):
        stored.consume(shown[3], NOW)
    stored.consume(shown[4].lower().replace("-", " "), NOW)  # typed loosely: still the code
    assert stored.remaining == 8


def test_an_unknown_recovery_code_is_refused() -> None:
    stored, _ = RecoveryCodes.generate(now=NOW, count=2)
    with pytest.raises(RecoveryCodeWrong):
        stored.consume("AAAAA-AAAAA", NOW)
    assert stored.remaining == 2


def test_codes_of_another_set_do_not_work() -> None:
    mine, _ = RecoveryCodes.generate(now=NOW)
    _, theirs = RecoveryCodes.generate(now=NOW)
    with pytest.raises(RecoveryCodeWrong):
        mine.consume(theirs[0], NOW)
