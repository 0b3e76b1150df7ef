"""The identity rules, one named object each.

Every rule has a code name and the Russian title under which `features/identity/` states it
(`Правило: <title_ru>`); tests/unit/test_rules_documented.py checks both ways. The checks
themselves live where the facts are: registration numbers in `validators.py`, the organisation's
details and lifecycle in `model.Organization`, permissions in `policy.py`, uniqueness, the
manager and the audit log in the use cases (`omk_domain/app/identity.py`).
"""

from __future__ import annotations

from omk_domain.shared.rules import Rule

INN_CHECKSUM = Rule("inn_checksum", "ИНН проверяется по длине и контрольной сумме")
KIND_FROM_INN = Rule("kind_from_inn", "Вид организации определяется по ИНН")
KPP_FOR_LEGAL_ENTITIES = Rule("kpp_for_legal_entities", "КПП указывается только у юридического лица")
OGRN_CHECKSUM = Rule("ogrn_checksum", "ОГРН и ОГРНИП проверяются по контрольной цифре")
OGRN_MATCHES_KIND = Rule("ogrn_matches_kind",
                         "У юридического лица ОГРН, у индивидуального предпринимателя ОГРНИП")
ONE_ORGANIZATION_PER_INN = Rule("one_organization_per_inn", "Организация с одним ИНН регистрируется один раз")
SAP_CUSTOMER_NO = Rule("sap_customer_no", "Номер клиента SAP — до 10 цифр и только у одной организации")
MANAGER_IS_STAFF = Rule("manager_is_staff", "Ответственный менеджер — сотрудник ОМК")
ORGANIZATION_LIFECYCLE = Rule("organization_lifecycle",
                              "Заявку одобряют, действующую организацию блокируют и разблокируют")
BLOCK_NEEDS_REASON = Rule("block_needs_reason", "Блокировка организации требует причины")
ONLY_ACTIVE_TRADE = Rule("only_active_trade", "Торговать может только действующая организация")
STAFF_MANAGE_ORGANIZATIONS = Rule("staff_manage_organizations", "Организациями управляют сотрудники ОМК")
CHANGES_ARE_AUDITED = Rule("changes_are_audited", "Каждое изменение организации записывается в журнал аудита")
# roles and the policy (policy.py; memberships and their use cases in omk_domain/app/identity.py)
ROLES_GRANT_PERMISSIONS = Rule("roles_grant_permissions", "Права пользователя определяются его ролями")
CLIENT_ROLE_OWN_ORGANIZATION = Rule("client_role_own_organization",
                                    "Роль клиента действует только в своей организации")
SEVERAL_ORGANIZATIONS = Rule("several_organizations",
                             "Пользователь может состоять в нескольких организациях и переключаться между ними")
LAST_ADMINISTRATOR_STAYS = Rule("last_administrator_stays", "Последнего администратора организации нельзя лишить роли")
ACCOUNT_MANAGER_ASSIGNED_ONLY = Rule("account_manager_assigned_only",
                                     "Менеджер по работе с клиентами видит только закреплённые за ним организации")
ROLE_CHANGES_AUDITED = Rule("role_changes_audited", "Выдача и снятие ролей записываются в журнал аудита")
# sign-in and sessions (signin.py; their use cases in omk_domain/app/signin.py)
SIGN_IN_TWO_STEPS = Rule("sign_in_two_steps", "Вход — пароль и одноразовый код")
SIGN_IN_REVEALS_NOTHING = Rule("sign_in_reveals_nothing",
                               "Ответ на неудачный вход не выдаёт, есть ли такой пользователь")
LOCKOUT_IS_TEMPORARY = Rule("lockout_is_temporary", "Блокировка после неудачных попыток временная")
SESSIONS_END = Rule("sessions_end", "Сеанс завершается по бездействию, по сроку и по выходу")

RULES: tuple[Rule, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Rule))
