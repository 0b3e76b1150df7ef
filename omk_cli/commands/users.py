"""`omk users`: create users (with a phone and a first password), list, show, block and unblock them, set a
user's password, email a reset link, invite a person into an organisation, remove expired registrations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer

from omk_cli import parsing
from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.identity import BlockUser, ListUsers, RegisterUser, ShowUser, UnblockUser, UserView
from omk_domain.app.invitations import InviteUser
from omk_domain.app.registration import REGISTRATION_KEPT, PurgeRegistrations
from omk_domain.app.reset import RequestPasswordReset
from omk_domain.app.signin import SetPassword
from omk_domain.app.two_factor import ResetTwoFactor, ShowTwoFactor, TwoFactorStatus
from omk_domain.identity.model import Role, User

app = typer.Typer(help="Users: OMK staff and client users.", no_args_is_help=True)


@app.command("create")
def create(ctx: typer.Context, *,
           email: Annotated[str, typer.Option("--email")],
           name: Annotated[str, typer.Option("--name", help="Full name.")],
           role: Annotated[Role, typer.Option("--role", parser=parsing.role, metavar="ROLE",
                                              help="A staff role (auction_organiser, also «organiser», system_admin, "
                                                   "account_manager, support) or a client role.")],
           org: Annotated[str | None, typer.Option("--org", help="Organisation id or ИНН (not for organisers).")]
           = None,
           phone: Annotated[str | None, typer.Option("--phone", help="Mobile number: sign-in codes go there by SMS.")]
           = None,
           password: Annotated[str | None, typer.Option("--password", help="A first password (the policy checks it).")]
           = None,
           json_out: JsonFlag = False) -> None:
    """Create a user; a client user belongs to an organisation (as a member with the role), staff to none."""
    st = state(ctx)
    organization_id = parsing.organization_id(st, org) if org else None
    user = st.handle(RegisterUser(email=email, full_name=name, role=role, organization_id=organization_id,
                                  phone=phone, password=password, source="cli"))
    show(json_out, user, lambda c: c.print(fields("Пользователь создан", [
        ("Id", user.id), ("Email", user.email), ("Имя", user.full_name), ("Роль", user.role.value),
        ("Организация", user.organization_id), ("Телефон", user.phone),
        ("Пароль", "задан" if user.password_hash else "не задан")])))


@app.command("set-password")
def set_password(ctx: typer.Context, user: Annotated[str, typer.Argument(help="User id or email.")], *,
                 password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True,
                                                       confirmation_prompt=True,
                                                       help="The new password (asked for, hidden, when not given).")],
                 json_out: JsonFlag = False) -> None:
    """Give a user a new password (checked by the policy, stored as an Argon2id hash, audited)."""
    st = state(ctx)
    user_id = parsing.user_id(st, user)
    st.handle(SetPassword(user_id=user_id, password=password, source="cli"))
    show(json_out, {"user_id": user_id, "password_set": True},
         lambda c: c.print(fields("Пароль задан", [("Пользователь", user_id)])))


@app.command("reset-password")
def reset_password(ctx: typer.Context, user: Annotated[str, typer.Argument(help="User id or email.")], *,
                   json_out: JsonFlag = False) -> None:
    """Email the user a single-use link (valid 30 minutes) to set a new password; by default the mail goes
    to the local outbox folder (`<OMK_DATA_DIR>/outbox/`)."""
    st = state(ctx)
    user_id = parsing.user_id(st, user)
    with st.services().uow_factory() as uow:
        email = uow.users.get(user_id).email
    st.handle(RequestPasswordReset(email=email, source_address="cli"))
    show(json_out, {"user_id": user_id, "email": email, "reset_link_sent": True},
         lambda c: c.print(fields("Ссылка для смены пароля отправлена", [("Пользователь", user_id),
                                                                         ("Email", email)])))


@app.command("invite")
def invite(ctx: typer.Context, org: Annotated[str, typer.Argument(help="Organisation id or ИНН.")],
           email: Annotated[str, typer.Argument(help="Whom to invite.")], *,
           roles: Annotated[list[Role], typer.Option("--role", parser=parsing.role, metavar="ROLE",
                                                     help="A client role; repeat for several.")],
           json_out: JsonFlag = False) -> None:
    """Email a single-use invitation link (valid 7 days) to join the organisation with the roles; by default
    the mail goes to the local outbox folder (`<OMK_DATA_DIR>/outbox/`)."""
    st = state(ctx)
    organization_id = parsing.organization_id(st, org)
    sent = st.handle(InviteUser(organization_id=organization_id, email=email, roles=frozenset(roles),
                                source="cli"))
    data = {"invitation_id": sent.id, "organization_id": sent.organization_id, "email": sent.email,
            "roles": sorted(r.value for r in sent.roles), "expires_at": sent.expires_at.isoformat()}
    show(json_out, data, lambda c: c.print(fields("Приглашение отправлено", [
        ("Id", sent.id), ("Организация", sent.organization_id), ("Email", sent.email),
        ("Роли", ", ".join(sorted(r.label_ru for r in sent.roles))), ("Действует до", data["expires_at"])])))


UserRef = Annotated[str, typer.Argument(help="User id or email.", show_default=False)]


def user_json(user: User) -> dict[str, Any]:
    """A user as scripts get it: never its password hash."""
    return {"id": user.id, "email": user.email, "full_name": user.full_name, "role": user.role.value,
            "staff": user.is_staff, "staff_roles": sorted(r.value for r in user.staff_roles),
            "organization_id": user.organization_id, "phone": user.phone, "blocked": user.blocked,
            "password_set": user.password_hash is not None, "created_at": user.created_at.isoformat()}


def view_json(view: UserView) -> dict[str, Any]:
    return user_json(view.user) | {"memberships": [
        {"organization_id": ms.organization_id, "roles": sorted(r.value for r in ms.roles)}
        for ms in view.memberships]}


def _roles_text(view: UserView) -> str:
    if view.user.is_staff:
        return ", ".join(sorted(r.label_ru for r in view.user.staff_roles))
    return "; ".join(f"{ms.organization_id}: {', '.join(sorted(r.label_ru for r in ms.roles))}"
                     for ms in view.memberships)


@app.command("list")
def list_(ctx: typer.Context, *,
          org: Annotated[str | None, typer.Option("--org", help="Organisation id or ИНН: its members only.")] = None,
          limit: Annotated[int, typer.Option("--limit", help="Page size, 1–1000.")] = 100,
          offset: Annotated[int, typer.Option("--offset", help="How many to skip.")] = 0,
          json_out: JsonFlag = False) -> None:
    """Users: an organisation's members (by user id), or every user (by email)."""
    st = state(ctx)
    found: list[UserView] = st.handle(ListUsers(
        organization_id=parsing.organization_id(st, org) if org else None, limit=limit, offset=offset))
    show(json_out, found, lambda c: c.print(table("Пользователи", ["Id", "Email", "Имя", "Роли", "Заблокирован"], [
        (v.user.id, v.user.email, v.user.full_name, _roles_text(v), "да" if v.user.blocked else "нет")
        for v in found])), json_data=[view_json(v) for v in found])


@app.command("show")
def show_(ctx: typer.Context, user: UserRef, json_out: JsonFlag = False) -> None:
    """One user with its memberships (never its password)."""
    st = state(ctx)
    view: UserView = st.handle(ShowUser(user_id=parsing.user_id(st, user)))
    u = view.user
    show(json_out, view, lambda c: c.print(fields("Пользователь", [
        ("Id", u.id), ("Email", u.email), ("Имя", u.full_name), ("Телефон", u.phone),
        ("Сотрудник ОМК", "да" if u.is_staff else "нет"), ("Роли", _roles_text(view)),
        ("Пароль", "задан" if u.password_hash else "не задан"), ("Заблокирован", "да" if u.blocked else "нет"),
        ("Создан", when(u.created_at))])), json_data=view_json(view))


@app.command("block")
def block(ctx: typer.Context, user: UserRef, *,
          reason: Annotated[str | None, typer.Option("--reason", help="Why, for the audit log.")] = None,
          json_out: JsonFlag = False) -> None:
    """Refuse the user sign-in: its sessions end at once, its API tokens stop working (audited)."""
    st = state(ctx)
    blocked: User = st.handle(BlockUser(user_id=parsing.user_id(st, user), reason=reason, source="cli"))
    show(json_out, blocked, lambda c: c.print(fields("Пользователь заблокирован", [
        ("Id", blocked.id), ("Email", blocked.email)])), json_data=user_json(blocked))


@app.command("unblock")
def unblock(ctx: typer.Context, user: UserRef, json_out: JsonFlag = False) -> None:
    """Let the user sign in again (audited); ended sessions stay ended."""
    st = state(ctx)
    unblocked: User = st.handle(UnblockUser(user_id=parsing.user_id(st, user), source="cli"))
    show(json_out, unblocked, lambda c: c.print(fields("Пользователь разблокирован", [
        ("Id", unblocked.id), ("Email", unblocked.email)])), json_data=user_json(unblocked))


@app.command("purge-registrations")
def purge_registrations(ctx: typer.Context, *,
                        kept_hours: Annotated[float, typer.Option(
                            "--kept-hours", help="Keep unverified registrations this long after their codes "
                                                 "expired.")] = REGISTRATION_KEPT / timedelta(hours=1),
                        json_out: JsonFlag = False) -> None:
    """Remove self-registrations never verified whose codes expired more than --kept-hours ago (audited)."""
    st = state(ctx)
    removed: int = st.handle(PurgeRegistrations(kept=timedelta(hours=kept_hours), source="cli"))
    show(json_out, {"removed": removed}, lambda c: c.print(fields("Неподтверждённые регистрации удалены", [
        ("Удалено", removed)])))


def _two_factor_json(status: TwoFactorStatus) -> dict[str, Any]:
    return {"user_id": status.user_id, "app_enabled": status.app_enabled, "app_pending": status.app_pending,
            "app_enabled_at": status.app_enabled_at.isoformat() if status.app_enabled_at else None,
            "recovery_codes_left": status.recovery_codes_left,
            "recovery_codes_generated_at": (status.recovery_codes_generated_at.isoformat()
                                            if status.recovery_codes_generated_at else None)}


@app.command("two-factor")
def two_factor(ctx: typer.Context, user: UserRef, *,
               status: Annotated[bool, typer.Option("--status", help="Show the authenticator app and the "
                                                                     "recovery codes left (the default).")] = False,
               reset: Annotated[bool, typer.Option("--reset", help="Remove a lost authenticator app and its "
                                                                   "recovery codes (audited).")] = False,
               json_out: JsonFlag = False) -> None:
    """The user's second factors: `--status` shows them; `--reset` removes its authenticator app and recovery
    codes, so it signs in with a code by SMS or email again (audited as two_factor.reset)."""
    if status and reset:
        raise typer.BadParameter("give either --status or --reset, not both")
    st = state(ctx)
    user_id = parsing.user_id(st, user)
    removed: bool | None = None
    if reset:
        removed = bool(st.handle(ResetTwoFactor(user_id=user_id, source="cli")))
    found: TwoFactorStatus = st.handle(ShowTwoFactor(user_id=user_id))
    data = _two_factor_json(found) | ({"reset": removed} if removed is not None else {})
    title = ("Второй фактор сброшен" if removed else "Сбрасывать было нечего") if reset else "Второй фактор"
    show(json_out, data, lambda c: c.print(fields(title, [
        ("Пользователь", found.user_id),
        ("Приложение-аутентификатор", "подключено" if found.app_enabled
         else ("подключение не завершено" if found.app_pending else "не подключено")),
        ("Подключено", when(found.app_enabled_at) if found.app_enabled_at else None),
        ("Резервных кодов осталось", str(found.recovery_codes_left))])))
