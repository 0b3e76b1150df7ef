"""`omk users`: create users (with a phone and a first password), set a user's password, email a reset link,
invite a person into an organisation."""

from __future__ import annotations

from typing import Annotated

import typer

from omk_cli import parsing
from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show
from omk_domain.app.identity import RegisterUser
from omk_domain.app.invitations import InviteUser
from omk_domain.app.reset import RequestPasswordReset
from omk_domain.app.signin import SetPassword
from omk_domain.identity.model import Role

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
