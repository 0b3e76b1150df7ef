"""The audit log's record: who did what to which thing, when, and from where.

Entries are written by the use cases in the same unit of work as the change they record, so a
change is never kept without its entry (nor an entry without its change). Action names are
stable dotted names (`organization.approved`) that scripts filter by prefix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from omk_domain.identity.model import Actor
from omk_domain.shared.errors import InvalidValue
from omk_domain.shared.ids import new_id

ACTION = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)+")

# --- actions recorded so far ----------------------------------------------------------------
ORGANIZATION_REGISTERED = "organization.registered"
ORGANIZATION_APPROVED = "organization.approved"
ORGANIZATION_BLOCKED = "organization.blocked"
ORGANIZATION_UNBLOCKED = "organization.unblocked"
ORGANIZATION_EDITED = "organization.edited"
ROLE_GRANTED = "role.granted"
ROLE_REVOKED = "role.revoked"
SIGNIN_PASSWORD_OK = "signin.password_ok"
SIGNIN_FAILED = "signin.failed"
SIGNIN_OK = "signin.ok"
CODE_SENT = "code.sent"
CODE_FAILED = "code.failed"
ACCOUNT_LOCKED = "account.locked"
ADDRESS_THROTTLED = "address.throttled"
PASSWORD_CHANGED = "password.changed"
SESSION_REVOKED = "session.revoked"
TOTP_ENROLMENT_STARTED = "two_factor.enrolment_started"
TOTP_ENABLED = "two_factor.enabled"
TOTP_DISABLED = "two_factor.disabled"
TOTP_RESET = "two_factor.reset"
RECOVERY_CODES_GENERATED = "two_factor.recovery_codes_generated"
RECOVERY_CODE_USED = "two_factor.recovery_code_used"
TOKEN_ISSUED = "token.issued"
TOKEN_REVOKED = "token.revoked"
PASSWORD_RESET_REQUESTED = "password.reset_requested"
PASSWORD_RESET = "password.reset"
REGISTRATION_STARTED = "registration.started"
REGISTRATION_VERIFIED = "registration.verified"
ORGANIZATION_APPLIED = "organization.applied"
INVITATION_SENT = "invitation.sent"
INVITATION_ACCEPTED = "invitation.accepted"
USER_BLOCKED = "user.blocked"
USER_UNBLOCKED = "user.unblocked"
EMAIL_CHANGE_REQUESTED = "email.change_requested"
EMAIL_CHANGED = "email.changed"
CURRENT_PASSWORD_WRONG = "password.current_wrong"
REGISTRATION_CODES_RESENT = "registration.codes_resent"
REGISTRATIONS_PURGED = "registration.purged"


class AuditActionInvalid(InvalidValue):
    code = "audit_action_invalid"
    message_ru = "Действие журнала аудита — латинские слова через точку, например organization.approved."


def _detail(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One audited action. `organization_id` is the organisation the entry concerns (for scoping)."""

    id: str
    at: datetime
    action: str
    actor_user_id: str
    actor_organization_id: str | None
    target_type: str
    target_id: str
    organization_id: str | None
    detail: dict[str, Any] = attrs.field(factory=dict, converter=_detail)
    #: where the action came from: "cli", later the client's IP address
    source: str | None = None

    @classmethod
    def of(cls, actor: Actor, action: str, *, target_type: str, target_id: str, organization_id: str | None,
           now: datetime, source: str | None, detail: Mapping[str, Any] | None = None) -> AuditEntry:
        """An entry for what `actor` just did; `detail` holds JSON-ready values only."""
        if not ACTION.fullmatch(action):
            raise AuditActionInvalid(action=action)
        return cls(id=new_id(), at=now, action=action, actor_user_id=actor.user_id,
                   actor_organization_id=actor.organization_id, target_type=target_type, target_id=target_id,
                   organization_id=organization_id, detail=dict(detail or {}),
                   source=(source or "").strip()[:200] or None)


def action_matches(action: str, prefix: str | None) -> bool:
    """True when `action` is `prefix` or lies under it: «organization» matches «organization.approved»."""
    if not prefix:
        return True
    stem = prefix.rstrip(".")
    return action == stem or action.startswith(stem + ".")
