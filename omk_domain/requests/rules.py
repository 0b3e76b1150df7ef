"""The rules of service requests, one named object each.

Every rule has a code name and the Russian title under which `features/requests/` states it
(`Правило: <title_ru>`); tests/unit/test_rules_documented.py checks both ways. The checks live in
`model.py` (what a request holds, how its status moves) and in the use cases
(`omk_domain/app/requests.py`: who sees which request, the acknowledgement by email).
"""

from __future__ import annotations

from omk_domain.shared.rules import Rule

REQUEST_HAS_SERVICE_SUBJECT_AND_TEXT = Rule(
    "request_has_service_subject_and_text", "Обращение адресовано службе ОМК и содержит тему и текст")
REQUEST_ACKNOWLEDGED = Rule("request_acknowledged", "Отправитель получает письмо о том, что обращение принято")
REQUEST_SEEN_BY_ITS_ORGANIZATION = Rule(
    "request_seen_by_its_organization", "Обращение видят только его организация и сотрудники поддержки ОМК")
REQUEST_STATUS_MOVES_FORWARD = Rule(
    "request_status_moves_forward", "Статус обращения меняется только вперёд: новое, в работе, отвечено, закрыто")

RULES: tuple[Rule, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Rule))
