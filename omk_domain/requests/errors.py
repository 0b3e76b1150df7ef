"""Errors of service requests, each with a stable code and a Russian message."""

from __future__ import annotations

from omk_domain.shared.errors import Conflict, InvalidValue, NotFound


class ServiceUnknown(InvalidValue):
    code = "service_unknown"
    message_ru = "Выберите службу ОМК, в которую отправить обращение."


class RequestStatusUnknown(InvalidValue):
    code = "request_status_unknown"
    message_ru = ("Неизвестный статус обращения: новое (new), в работе (in_progress), отвечено (answered), "
                  "закрыто (closed).")


class RequestSubjectInvalid(InvalidValue):
    code = "request_subject_invalid"
    message_ru = "Тема обращения — от 3 до 200 символов в одну строку."


class RequestTextInvalid(InvalidValue):
    code = "request_text_invalid"
    message_ru = "Текст обращения — от 10 до 5000 символов."


class ContactPhoneInvalid(InvalidValue):
    code = "contact_phone_invalid"
    message_ru = ("Контактный телефон указан неверно: нужен российский номер (+7 912 345-67-89, 8 912 345-67-89) "
                  "или международный в формате +<код страны><номер>. Поле можно оставить пустым.")


class AnswerTextInvalid(InvalidValue):
    code = "request_answer_invalid"
    message_ru = "Ответ на обращение — от 2 до 5000 символов."


class RequestPageInvalid(InvalidValue):
    code = "request_page_invalid"
    message_ru = "Неверные параметры страницы: от 1 до 1000 записей, смещение не меньше нуля."


class RequestNotFound(NotFound):
    """No such request — or one of another organisation, which must look exactly the same."""

    code = "request_not_found"
    message_ru = "Обращение не найдено."


class RequestStatusChangeNotAllowed(Conflict):
    code = "request_status_change_not_allowed"
    message_ru = "Статус обращения так изменить нельзя: статусы идут только вперёд."
