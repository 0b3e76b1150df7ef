"""A user's own account: the re-verified change of its email address, and the errors of account management.

An email change is requested with the current password; a one-time code (see otp.py: salted HMAC bound to the
purpose and the new address, short-lived, limited attempts, single use) goes to the NEW address, a notice to
the old one; typing the code back switches the address.
"""

from __future__ import annotations

import attrs

from omk_domain.identity.otp import OneTimeCode
from omk_domain.shared.errors import Conflict, Forbidden, InvalidValue, NotFound


class EmailChangeNotFound(NotFound):
    """Unknown, of another user, already used or superseded: one answer."""

    code = "email_change_not_found"
    message_ru = "Запрос на смену адреса не найден или уже выполнен. Запросите смену адреса заново."


class EmailTaken(Conflict):
    """The new address is a user's already; whose is never said."""

    code = "email_taken"
    message_ru = "Этот адрес нельзя использовать: укажите другой."


class EmailUnchanged(InvalidValue):
    code = "email_unchanged"
    message_ru = "Новый адрес совпадает с нынешним."


class CurrentPasswordWrong(Forbidden):
    code = "current_password_wrong"
    message_ru = "Текущий пароль указан неверно."


class CannotBlockOneself(Conflict):
    code = "cannot_block_oneself"
    message_ru = "Нельзя заблокировать собственную учётную запись."


class UserInOtherOrganizations(Forbidden):
    """A client administrator blocks only users who belong to its organisation alone."""

    code = "user_in_other_organizations"
    message_ru = ("Пользователь состоит и в других организациях: заблокировать его может только сотрудник ОМК.")


@attrs.define(kw_only=True)
class EmailChange:
    """A requested change of a user's email to `code.recipient`; its id is the code's id."""

    user_id: str
    code: OneTimeCode
    source: str | None = None

    @property
    def id(self) -> str:
        return self.code.id

    @property
    def new_email(self) -> str:
        return self.code.recipient
