"""Errors the SQL adapter raises in the language of the domain, so every frontend maps them."""

from __future__ import annotations

from omk_domain.shared.errors import Conflict


class ConcurrentUpdate(Conflict):
    """Someone else changed the same data first (a stale version or a unique clash): retry."""

    code = "concurrent_update"
    message_ru = "Данные только что изменились. Обновите страницу и повторите действие."


class MessageAlreadyHandled(Conflict):
    """Another consumer handled this message first; this transaction must not repeat its effect."""

    code = "message_already_handled"
    message_ru = "Сообщение уже обработано."
