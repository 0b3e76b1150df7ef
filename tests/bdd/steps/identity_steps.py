"""Organisation steps: registration with its details, approval, blocking, the manager, the audit log.

Organisations are legal entities («ООО «Ромашка»») or sole proprietors («ИП Андреев»); OMK staff
(«сотрудник ОМК») act as the scenario's organiser. Registration numbers appear in the features
because they are what the rules are about; ids never do.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, step, then, when

from omk_domain.app import identity as idc
from omk_domain.identity.model import Actor, Organization, OrganizationKind, OrganizationStatus, Role
from omk_domain.ports import AuditFilter
from tests.bdd.steps.world import World, valid_inn

ORG_NAME = r"(?:ООО|АО|ПАО) «[^»]+»|ИП [А-ЯЁ][а-яё]+"
ORG = rf"(?P<org>{ORG_NAME})"
REASON = r"«(?P<reason>[^»]*)»"
#: how the features name a registration number → the command's field
NUMBERS = {"КПП": "kpp", "ОГРН": "ogrn", "ОГРНИП": "ogrnip", "номером клиента SAP": "sap_customer_no",
           "номер клиента SAP": "sap_customer_no"}
NUMBER = r"(?P<label>КПП|ОГРНИП|ОГРН|номером клиента SAP|номер клиента SAP) (?P<value>\S+)"
STATUSES = {s.label_ru: s for s in OrganizationStatus}
KINDS = {k.label_ru: k for k in OrganizationKind}
#: the audit log's actions as the features name them
AUDIT_ACTIONS = {
    "organization.registered": "организация зарегистрирована",
    "organization.approved": "заявка одобрена",
    "organization.blocked": "организация заблокирована",
    "organization.unblocked": "организация разблокирована",
    "organization.edited": "реквизиты изменены",
}
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _individual_inn(n: int) -> str:
    """A valid 12-digit INN (a sole proprietor's), different for every n."""
    body = f"50{n:08d}"
    body += str(sum(int(d) * w for d, w in zip(body, _W11, strict=True)) % 11 % 10)
    return body + str(sum(int(d) * w for d, w in zip(body, _W12, strict=True)) % 11 % 10)


def _register(world: World, org: str, inn: str | None = None, *, as_application: bool = False,
              **details: str) -> None:
    """Register the named organisation as OMK staff (an application when told); remember it if accepted."""
    if inn is None:
        inn = _individual_inn(len(world.orgs) + 1) if org.startswith("ИП") else valid_inn(len(world.orgs) + 1)
    outcome = world.attempt("register_org", idc.RegisterOrganization(name=org, inn=inn, as_application=as_application,
                                                                     **details))
    if outcome.ok:
        world.orgs[org] = outcome.result


def _current(world: World, org: str) -> Organization:
    """The organisation as it is stored now (through the use case)."""
    found: Organization = world.run(idc.ShowOrganization(organization_id=world.org(org).id))
    return found


def _member(world: World, org: str) -> Actor:
    return Actor(user_id=f"member:{world.org(org).id}", role=Role.BIDDER, organization_id=world.org(org).id)


# --- registration -----------------------------------------------------------------------------

@when(parsers.re(rf"сотрудник ОМК регистрирует организацию {ORG} с ИНН (?P<inn>\S+)"))
def registers(world: World, org: str, inn: str) -> None:
    _register(world, org, inn)


@when(parsers.re(rf"сотрудник ОМК регистрирует организацию {ORG} с ИНН (?P<inn>\S+) и {NUMBER}"))
def registers_with(world: World, org: str, inn: str, label: str, value: str) -> None:
    _register(world, org, inn, **{NUMBERS[label]: value})


@given(parsers.re(rf"организация {ORG} зарегистрирована"))
def registered(world: World, org: str) -> None:
    _register(world, org)
    assert world.last.ok, world.last.error


@given(parsers.re(rf"организация {ORG} зарегистрирована с ИНН (?P<inn>\d+)"))
def registered_with_inn(world: World, org: str, inn: str) -> None:
    _register(world, org, inn)
    assert world.last.ok, world.last.error


@given(parsers.re(rf"организация {ORG} зарегистрирована с {NUMBER}"))
def registered_with(world: World, org: str, label: str, value: str) -> None:
    _register(world, org, **{NUMBERS[label]: value})
    assert world.last.ok, world.last.error


@when(parsers.re(rf"организация {ORG} подаёт заявку на регистрацию"))
def applies(world: World, org: str) -> None:
    _register(world, org, as_application=True)


@given(parsers.re(rf"организация {ORG} подала заявку на регистрацию"))
def has_applied(world: World, org: str) -> None:
    _register(world, org, as_application=True)
    assert world.last.ok, world.last.error


# --- lifecycle --------------------------------------------------------------------------------

def _approve(world: World, org: str, actor: Actor | None = None) -> None:
    world.attempt("approve_org", idc.ApproveOrganization(organization_id=world.org(org).id), actor)


def _block(world: World, org: str, reason: str, actor: Actor | None = None) -> None:
    world.attempt("block_org", idc.BlockOrganization(organization_id=world.org(org).id, reason=reason), actor)


def _unblock(world: World, org: str) -> None:
    world.attempt("unblock_org", idc.UnblockOrganization(organization_id=world.org(org).id))


@given(parsers.re(rf"организация {ORG} заблокирована по причине {REASON}"))
def blocked(world: World, org: str, reason: str) -> None:
    if org not in world.orgs:
        _register(world, org)
    world.must("block_org", idc.BlockOrganization(organization_id=world.org(org).id, reason=reason))


@given(parsers.re(rf"организация {ORG} в статусе «(?P<label>[^»]+)»"))
def in_status(world: World, org: str, label: str) -> None:
    status = STATUSES[label]
    _register(world, org, as_application=status is OrganizationStatus.APPLIED)
    if status is OrganizationStatus.BLOCKED:
        world.must("block_org", idc.BlockOrganization(organization_id=world.org(org).id, reason="Проверка"))
    assert _current(world, org).status is status


@given(parsers.re(rf"сотрудник ОМК разблокировал {ORG}"))
def has_unblocked(world: World, org: str) -> None:
    world.must("unblock_org", idc.UnblockOrganization(organization_id=world.org(org).id))


@when(parsers.re(rf"сотрудник ОМК одобряет заявку {ORG}"))
def approves(world: World, org: str) -> None:
    _approve(world, org)


@when(parsers.re(rf"сотрудник ОМК блокирует {ORG} по причине {REASON}"))
def blocks(world: World, org: str, reason: str) -> None:
    _block(world, org, reason)


@when(parsers.re(rf"сотрудник ОМК блокирует {ORG} без причины"))
def blocks_without_reason(world: World, org: str) -> None:
    _block(world, org, "")


@when(parsers.re(rf"сотрудник ОМК блокирует {ORG}"))
def blocks_for_a_check(world: World, org: str) -> None:
    _block(world, org, "Проверка")


@when(parsers.re(rf"сотрудник ОМК разблокирует {ORG}"))
def unblocks(world: World, org: str) -> None:
    _unblock(world, org)


@when(parsers.re(rf"представитель (?P<member>{ORG_NAME}) пытается заблокировать {ORG}"))
def member_blocks(world: World, member: str, org: str) -> None:
    _block(world, org, "Не нравится", _member(world, member))


@when(parsers.re(rf"представитель (?P<member>{ORG_NAME}) пытается одобрить заявку {ORG}"))
def member_approves(world: World, member: str, org: str) -> None:
    _approve(world, org, _member(world, member))


# --- details ----------------------------------------------------------------------------------

@when(parsers.re(rf"сотрудник ОМК назначает {ORG} номер клиента SAP (?P<number>\S+)"))
def assigns_sap_number(world: World, org: str, number: str) -> None:
    world.attempt("edit_org", idc.EditOrganization(organization_id=world.org(org).id, sap_customer_no=number))


@when(parsers.re(rf"ответственным менеджером {ORG} назначают (?P<who>сотрудника ОМК|представителя "
                 rf"(?P<member>{ORG_NAME}))"))
def assigns_manager(world: World, org: str, who: str, member: str | None) -> None:
    n = len(world.outcomes)
    if member is None:
        user = world.run(idc.RegisterUser(email=f"manager{n}@omk.ru", full_name="Анна Петрова",
                                          role=Role.ORGANISER))
    else:
        user = world.run(idc.RegisterUser(email=f"member{n}@example.ru", full_name="Пётр Иванов",
                                          role=Role.BIDDER, organization_id=world.org(member).id))
    world.attempt("edit_org", idc.EditOrganization(organization_id=world.org(org).id, manager_user_id=user.id))


# --- outcomes ---------------------------------------------------------------------------------

@then(parsers.re(rf"{ORG} — (?P<label>юридическое лицо|индивидуальный предприниматель)"))
def is_of_kind(world: World, org: str, label: str) -> None:
    assert _current(world, org).kind is KINDS[label]


@then(parsers.re(rf"у {ORG} {NUMBER}"))
def has_number(world: World, org: str, label: str, value: str) -> None:
    assert getattr(_current(world, org), NUMBERS[label]) == value


@step(parsers.re(rf"статус организации {ORG} — «(?P<label>[^»]+)»"))
def has_status(world: World, org: str, label: str) -> None:
    assert label in STATUSES, f"unknown status «{label}»; known: {sorted(STATUSES)}"
    assert _current(world, org).status.label_ru == label


@then(parsers.re(rf"у {ORG} причина блокировки {REASON}"))
def has_block_reason(world: World, org: str, reason: str) -> None:
    assert _current(world, org).block_reason == reason


@then(parsers.re(rf"у {ORG} нет причины блокировки"))
def has_no_block_reason(world: World, org: str) -> None:
    current = _current(world, org)
    assert (current.block_reason, current.blocked_at) == (None, None)


@then(parsers.re(rf"у {ORG} есть ответственный менеджер"))
def has_manager(world: World, org: str) -> None:
    assert _current(world, org).manager_user_id is not None


@then(parsers.re(rf"у {ORG} нет ответственного менеджера"))
def has_no_manager(world: World, org: str) -> None:
    assert _current(world, org).manager_user_id is None


@then(parsers.re(rf"журнал аудита по {ORG}, от новых записей к старым:"))
def audit_log(world: World, org: str, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["действие", "кто", "причина"], header
    entries = world.run(idc.ListAudit(filter=AuditFilter(organization_id=world.org(org).id)))
    staff = world.staff.user_id
    seen = [[AUDIT_ACTIONS[e.action], "сотрудник ОМК" if e.actor_user_id == staff else e.actor_user_id,
             str(e.detail.get("reason", ""))] for e in entries]
    assert seen == [[cell.strip() for cell in row] for row in rows]
