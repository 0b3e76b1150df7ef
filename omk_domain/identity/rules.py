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
# second factors (otp.py, signin.py; their use cases in omk_domain/app/signin.py and two_factor.py)
SIGN_IN_CODE_BY_SMS = Rule("sign_in_code_by_sms", "Код для входа приходит по SMS, если указан телефон")
SIGN_IN_CODE_BY_EMAIL = Rule("sign_in_code_by_email", "Без телефона код для входа приходит письмом")
SIGN_IN_WITH_AUTHENTICATOR = Rule("sign_in_with_authenticator",
                                  "Код из приложения-аутентификатора подтверждает вход и действует один раз")
SIGN_IN_WITH_RECOVERY_CODE = Rule("sign_in_with_recovery_code", "Резервный код заменяет второй фактор один раз")
# the session of a person without an organisation (policy.SELF_SERVICE)
ORGANIZATIONLESS_SESSION = Rule(
    "organizationless_session",
    "Без организации можно только подать заявку, принять приглашение и управлять своей учётной записью")
RESET_LINKS_LIMITED = Rule("reset_links_limited", "Ссылок для смены пароля — не больше трёх в час на адрес почты "
                                                   "и десяти запросов за 15 минут с одного адреса")
# self-registration (omk_domain/app/registration.py; features/identity/registration.feature)
REGISTRATION_CONFIRMS_BOTH = Rule("registration_confirms_both",
                                  "Регистрация подтверждается кодом из письма и кодом из SMS")
REGISTRATION_REVEALS_NOTHING = Rule("registration_reveals_nothing",
                                    "Занятый адрес сообщается только после подтверждения обоих кодов")
REGISTRATION_CODES_RESEND = Rule("registration_codes_resend", "Новые коды можно запросить не раньше чем через минуту")
UNVERIFIED_REGISTRATIONS_PURGED = Rule("unverified_registrations_purged",
                                       "Неподтверждённые регистрации удаляются через сутки после истечения кодов")
APPLICANT_BECOMES_ADMINISTRATOR = Rule("applicant_becomes_administrator",
                                       "Заявитель становится администратором одобренной организации")
# invitations (omk_domain/app/invitations.py; features/identity/invitations.feature)
INVITATION_WORKS_ONCE = Rule("invitation_works_once", "Приглашение действует семь дней и только один раз")
INVITE_INTO_OWN_ORGANIZATION = Rule("invite_into_own_organization",
                                    "Администратор приглашает только в свою организацию")
INVITE_ONLY_INTO_ACTIVE = Rule("invite_only_into_active", "Пригласить можно только в действующую организацию")
INVITATION_FOR_ADDRESSEE = Rule("invitation_for_addressee", "Приглашение принимает только тот, кому оно адресовано")

RULES: tuple[Rule, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Rule))
