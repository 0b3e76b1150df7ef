"""Explicit mapping between table rows and domain objects, one pair of functions per shape.

Rows are plain dicts keyed by column name; a snapshot of the dict made when an aggregate was
loaded tells the unit of work what changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from omk_domain.auctions.journal import JournalEntry
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import (
    Admission,
    AuctionFormat,
    AuctionStatus,
    LotResult,
    LotStatus,
    OfferStatus,
    OpenBid,
    PriceOffer,
    ProductSpec,
    ResultSource,
    SoftClose,
)
from omk_domain.identity.account import EmailChange
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.invitation import Invitation
from omk_domain.identity.model import Membership, Organization, OrganizationStatus, Role, User
from omk_domain.identity.otp import CodePurpose, OneTimeCode
from omk_domain.identity.policy import Permission
from omk_domain.identity.registration import OrganizationApplication, Registration
from omk_domain.identity.reset import PasswordReset
from omk_domain.identity.signin import (
    AttemptKind,
    AttemptScope,
    Channel,
    SignInAttempt,
    SignInChallenge,
    UserSession,
)
from omk_domain.identity.tokens import ApiToken
from omk_domain.ports import LotActivity, OutboxMessage
from omk_domain.shared.money import Money, Quantity, Unit

Row = dict[str, Any]
_US = timedelta(microseconds=1)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _us(delta: timedelta) -> int:
    return delta // _US


def _delta(us: int) -> timedelta:
    return timedelta(microseconds=us)


# --- auctions -------------------------------------------------------------------------------

def auction_row(a: Auction) -> Row:
    sc = a.soft_close
    return {"id": a.id, "number": a.number, "title": a.title, "format": a.format.value,
            "status": a.status.value, "starts_at": a.starts_at, "ends_at": a.ends_at,
            "soft_close_window_us": _us(sc.window), "soft_close_extension_us": _us(sc.extension),
            "soft_close_cap_us": _us(sc.cap) if sc.cap is not None else None,
            "auto_approve": a.auto_approve, "description": a.description,
            "cancel_reason": a.cancel_reason, "created_at": a.created_at}


def admission_rows(a: Auction) -> dict[Any, Row]:
    return {org: {"auction_id": a.id, "organization_id": org, "alias_no": adm.alias_no,
                  "active": adm.active, "admitted_at": adm.admitted_at}
            for org, adm in a.admissions.items()}


def auction_from(row: Mapping[str, Any], admissions: list[Mapping[str, Any]]) -> Auction:
    cap = row["soft_close_cap_us"]
    return Auction(
        id=row["id"], number=row["number"], title=row["title"], format=AuctionFormat(row["format"]),
        status=AuctionStatus(row["status"]), starts_at=row["starts_at"], ends_at=row["ends_at"],
        soft_close=SoftClose(window=_delta(row["soft_close_window_us"]),
                             extension=_delta(row["soft_close_extension_us"]),
                             cap=_delta(cap) if cap is not None else None),
        auto_approve=bool(row["auto_approve"]), description=row["description"],
        cancel_reason=row["cancel_reason"], created_at=row["created_at"], version=row["version"],
        admissions={r["organization_id"]: Admission(organization_id=r["organization_id"],
                                                    alias_no=r["alias_no"], active=bool(r["active"]),
                                                    admitted_at=r["admitted_at"])
                    for r in sorted(admissions, key=lambda r: r["alias_no"])},
    )


# --- lots -----------------------------------------------------------------------------------

def lot_row(lot: Lot) -> Row:
    p, r = lot.product, lot.result
    return {"id": lot.id, "auction_id": lot.auction_id, "number": lot.number, "title": lot.title,
            "product_type": p.product_type, "diameter_mm": p.diameter_mm, "wall_mm": p.wall_mm,
            "steel_grade": p.steel_grade, "standard": p.standard, "warehouse": p.warehouse,
            "quantity": lot.quantity.value, "unit": lot.quantity.unit.value,
            "currency": lot.start_price.currency, "start_price": lot.start_price.amount,
            "bid_step": lot.bid_step.amount,
            "floor_price": lot.floor_price.amount if lot.floor_price is not None else None,
            "closes_at_original": lot.closes_at_original, "closes_at": lot.closes_at,
            "status": lot.status.value, "declined": dumps(lot.declined),
            "result_determined": r is not None,
            "result_winner_organization_id": r.winner_organization_id if r else None,
            "result_amount": r.amount.amount if r and r.amount else None,
            "result_currency": r.amount.currency if r and r.amount else None,
            "result_source": r.source.value if r and r.source else None,
            "result_source_id": r.source_id if r else None,
            "journal_seq": lot.journal_seq, "journal_hash": lot.journal_hash}


def bid_row(lot_id: str, b: OpenBid, position: int) -> Row:
    return {"id": b.id, "lot_id": lot_id, "position": position, "organization_id": b.organization_id,
            "placed_by": b.placed_by, "amount": b.amount.amount, "currency": b.amount.currency,
            "placed_at": b.placed_at, "client_key": b.client_key, "annulled_at": b.annulled_at,
            "annul_reason": b.annul_reason}


def offer_row(lot_id: str, o: PriceOffer, position: int) -> Row:
    return {"id": o.id, "lot_id": lot_id, "position": position, "organization_id": o.organization_id,
            "submitted_by": o.submitted_by, "amount": o.amount.amount, "currency": o.amount.currency,
            "submitted_at": o.submitted_at, "first_submitted_at": o.first_submitted_at,
            "stamp": o.stamp, "status": o.status.value, "client_key": o.client_key,
            "ended_at": o.ended_at, "revisions": o.revisions}


def bid_from(r: Mapping[str, Any]) -> OpenBid:
    return OpenBid(id=r["id"], organization_id=r["organization_id"], placed_by=r["placed_by"],
                   amount=Money(r["amount"], r["currency"]), placed_at=r["placed_at"],
                   client_key=r["client_key"], annulled_at=r["annulled_at"], annul_reason=r["annul_reason"])


def offer_from(r: Mapping[str, Any]) -> PriceOffer:
    return PriceOffer(id=r["id"], organization_id=r["organization_id"], submitted_by=r["submitted_by"],
                      amount=Money(r["amount"], r["currency"]), submitted_at=r["submitted_at"],
                      first_submitted_at=r["first_submitted_at"], stamp=r["stamp"],
                      status=OfferStatus(r["status"]), client_key=r["client_key"], ended_at=r["ended_at"],
                      revisions=r["revisions"])


def lot_from(row: Mapping[str, Any], bids: Sequence[OpenBid], offers: Sequence[PriceOffer]) -> Lot:
    """A lot from its row, its bids and its offers (each in the order they were made)."""
    currency = row["currency"]
    result = None
    if row["result_determined"]:
        amount = row["result_amount"]
        source = row["result_source"]
        result = LotResult(winner_organization_id=row["result_winner_organization_id"],
                           amount=Money(amount, row["result_currency"]) if amount is not None else None,
                           source=ResultSource(source) if source is not None else None,
                           source_id=row["result_source_id"])
    floor = row["floor_price"]
    return Lot(
        id=row["id"], auction_id=row["auction_id"], number=row["number"], title=row["title"],
        product=ProductSpec(product_type=row["product_type"], diameter_mm=row["diameter_mm"],
                            wall_mm=row["wall_mm"], steel_grade=row["steel_grade"],
                            standard=row["standard"], warehouse=row["warehouse"]),
        quantity=Quantity(row["quantity"], Unit(row["unit"])),
        start_price=Money(row["start_price"], currency), bid_step=Money(row["bid_step"], currency),
        floor_price=Money(floor, currency) if floor is not None else None,
        closes_at_original=row["closes_at_original"], closes_at=row["closes_at"],
        status=LotStatus(row["status"]),
        bids=list(bids),
        offers=list(offers),
        declined=list(json.loads(row["declined"])), result=result,
        journal_seq=row["journal_seq"], journal_hash=row["journal_hash"], version=row["version"],
    )


# --- journal and outbox ---------------------------------------------------------------------

def journal_row(e: JournalEntry) -> Row:
    return {"lot_id": e.lot_id, "seq": e.seq, "kind": e.kind, "recorded_at": e.recorded_at,
            "data": dumps(e.data), "prev_hash": e.prev_hash, "hash": e.hash}


def journal_entry_from(r: Mapping[str, Any]) -> JournalEntry:
    return JournalEntry(lot_id=r["lot_id"], seq=r["seq"], kind=r["kind"], recorded_at=r["recorded_at"],
                        data=json.loads(r["data"]), prev_hash=r["prev_hash"], hash=r["hash"])


def outbox_row(m: OutboxMessage) -> Row:
    return {"id": m.id, "name": m.name, "payload": dumps(m.payload), "occurred_at": m.occurred_at,
            "published_at": None}


def outbox_message_from(r: Mapping[str, Any]) -> OutboxMessage:
    return OutboxMessage(id=r["id"], name=r["name"], payload=json.loads(r["payload"]),
                         occurred_at=r["occurred_at"])


# --- identity -------------------------------------------------------------------------------

def organization_row(o: Organization) -> Row:
    """The organisation's columns; the version is the unit of work's business."""
    return {"id": o.id, "name": o.name, "inn": o.inn, "kpp": o.kpp, "ogrn": o.ogrn, "ogrnip": o.ogrnip,
            "sap_customer_no": o.sap_customer_no, "manager_user_id": o.manager_user_id,
            "status": o.status.value, "block_reason": o.block_reason, "created_at": o.created_at,
            "status_changed_at": o.status_changed_at, "approved_at": o.approved_at, "blocked_at": o.blocked_at}


def organization_from(r: Mapping[str, Any]) -> Organization:
    return Organization(id=r["id"], name=r["name"], inn=r["inn"], kpp=r["kpp"], ogrn=r["ogrn"], ogrnip=r["ogrnip"],
                        sap_customer_no=r["sap_customer_no"], manager_user_id=r["manager_user_id"],
                        status=OrganizationStatus(r["status"]), block_reason=r["block_reason"],
                        created_at=r["created_at"], status_changed_at=r["status_changed_at"],
                        approved_at=r["approved_at"], blocked_at=r["blocked_at"], version=r["version"])


def audit_row(e: AuditEntry) -> Row:
    return {"id": e.id, "at": e.at, "action": e.action, "actor_user_id": e.actor_user_id,
            "actor_organization_id": e.actor_organization_id, "target_type": e.target_type,
            "target_id": e.target_id, "organization_id": e.organization_id, "detail": dumps(e.detail),
            "source": e.source}


def audit_entry_from(r: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(id=r["id"], at=r["at"], action=r["action"], actor_user_id=r["actor_user_id"],
                      actor_organization_id=r["actor_organization_id"], target_type=r["target_type"],
                      target_id=r["target_id"], organization_id=r["organization_id"],
                      detail=json.loads(r["detail"]), source=r["source"])


def roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(r.value for r in roles))


def roles_from(text: str | None) -> frozenset[Role]:
    return frozenset(Role(v) for v in (text or "").split(",") if v)


def user_row(u: User) -> Row:
    return {"id": u.id, "email": u.email, "full_name": u.full_name, "role": u.role.value,
            "organization_id": u.organization_id, "created_at": u.created_at,
            "staff_roles": roles_text(u.staff_roles), "password_hash": u.password_hash, "phone": u.phone,
            "blocked": u.blocked}


def user_from(r: Mapping[str, Any]) -> User:
    return User(id=r["id"], email=r["email"], full_name=r["full_name"], role=Role(r["role"]),
                organization_id=r["organization_id"], created_at=r["created_at"],
                staff_roles=roles_from(r["staff_roles"]), password_hash=r["password_hash"], phone=r["phone"],
                blocked=bool(r["blocked"]))


def membership_row(ms: Membership) -> Row:
    """The membership's columns; the version is the unit of work's business."""
    return {"id": ms.id, "user_id": ms.user_id, "organization_id": ms.organization_id,
            "roles": roles_text(ms.roles), "created_at": ms.created_at}


def membership_from(r: Mapping[str, Any]) -> Membership:
    return Membership(id=r["id"], user_id=r["user_id"], organization_id=r["organization_id"],
                      roles=roles_from(r["roles"]), created_at=r["created_at"], version=r["version"])


# --- sign-in --------------------------------------------------------------------------------

def challenge_row(ch: SignInChallenge) -> Row:
    c = ch.code
    return {"id": c.id, "user_id": ch.user_id, "purpose": c.purpose.value, "channel": ch.channel.value,
            "recipient": c.recipient, "issued_at": c.issued_at, "expires_at": c.expires_at,
            "attempts_left": c.attempts_left, "salt": c.salt, "code_hash": c.code_hash, "used_at": c.used_at,
            "source": ch.source}


def email_change_row(x: EmailChange) -> Row:
    """An email change is a one-time code row of purpose change_email, sent by email to the new address."""
    c = x.code
    return {"id": c.id, "user_id": x.user_id, "purpose": c.purpose.value, "channel": "email",
            "recipient": c.recipient, "issued_at": c.issued_at, "expires_at": c.expires_at,
            "attempts_left": c.attempts_left, "salt": c.salt, "code_hash": c.code_hash, "used_at": c.used_at,
            "source": x.source}


def email_change_from(r: Mapping[str, Any]) -> EmailChange:
    code = OneTimeCode(id=r["id"], purpose=CodePurpose(r["purpose"]), recipient=r["recipient"],
                       issued_at=r["issued_at"], expires_at=r["expires_at"], attempts_left=r["attempts_left"],
                       salt=r["salt"], code_hash=r["code_hash"], used_at=r["used_at"])
    return EmailChange(user_id=r["user_id"], code=code, source=r["source"])


def challenge_from(r: Mapping[str, Any]) -> SignInChallenge:
    code = OneTimeCode(id=r["id"], purpose=CodePurpose(r["purpose"]), recipient=r["recipient"],
                       issued_at=r["issued_at"], expires_at=r["expires_at"], attempts_left=r["attempts_left"],
                       salt=r["salt"], code_hash=r["code_hash"], used_at=r["used_at"])
    return SignInChallenge(user_id=r["user_id"], channel=Channel(r["channel"]), code=code, source=r["source"])


def session_row(x: UserSession) -> Row:
    return {"id": x.id, "token_hash": x.token_hash, "user_id": x.user_id, "organization_id": x.organization_id,
            "created_at": x.created_at, "last_seen_at": x.last_seen_at,
            "idle_seconds": int(x.idle_timeout.total_seconds()),
            "absolute_seconds": int(x.absolute_timeout.total_seconds()), "source": x.source,
            "revoked_at": x.revoked_at}


def session_from(r: Mapping[str, Any]) -> UserSession:
    return UserSession(id=r["id"], token_hash=r["token_hash"], user_id=r["user_id"],
                       organization_id=r["organization_id"], created_at=r["created_at"],
                       last_seen_at=r["last_seen_at"], idle_timeout=timedelta(seconds=r["idle_seconds"]),
                       absolute_timeout=timedelta(seconds=r["absolute_seconds"]), source=r["source"],
                       revoked_at=r["revoked_at"])


def api_token_row(x: ApiToken) -> Row:
    return {"id": x.id, "organization_id": x.organization_id, "name": x.name,
            "permissions": ",".join(sorted(p.value for p in x.permissions)), "prefix": x.prefix,
            "token_hash": x.token_hash, "issued_by": x.issued_by, "issuer_organization_id": x.issuer_organization_id,
            "created_at": x.created_at, "expires_at": x.expires_at, "revoked_at": x.revoked_at}


def api_token_from(r: Mapping[str, Any]) -> ApiToken:
    return ApiToken(id=r["id"], organization_id=r["organization_id"], name=r["name"],
                    permissions=frozenset(Permission(p) for p in r["permissions"].split(",") if p),
                    prefix=r["prefix"], token_hash=r["token_hash"], issued_by=r["issued_by"],
                    issuer_organization_id=r["issuer_organization_id"], created_at=r["created_at"],
                    expires_at=r["expires_at"], revoked_at=r["revoked_at"])


def reset_row(x: PasswordReset) -> Row:
    return {"id": x.id, "user_id": x.user_id, "token_hash": x.token_hash, "created_at": x.created_at,
            "expires_at": x.expires_at, "used_at": x.used_at}


def reset_from(r: Mapping[str, Any]) -> PasswordReset:
    return PasswordReset(id=r["id"], user_id=r["user_id"], token_hash=r["token_hash"], created_at=r["created_at"],
                         expires_at=r["expires_at"], used_at=r["used_at"])


def attempt_row(a: SignInAttempt) -> Row:
    return {"id": a.id, "scope": a.scope.value, "key": a.key, "kind": a.kind.value, "at": a.at}


def attempt_from(r: Mapping[str, Any]) -> SignInAttempt:
    return SignInAttempt(id=r["id"], scope=AttemptScope(r["scope"]), key=r["key"], kind=AttemptKind(r["kind"]),
                         at=r["at"])


# --- projections ----------------------------------------------------------------------------

def activity_row(a: LotActivity) -> Row:
    return {"lot_id": a.lot_id, "auction_id": a.auction_id, "bids": a.bids, "annulled": a.annulled,
            "bidders": dumps(sorted(a.bidders)), "extensions": a.extensions,
            "last_bid_at": a.last_bid_at, "closed": a.closed}


def activity_from(r: Mapping[str, Any]) -> LotActivity:
    return LotActivity(lot_id=r["lot_id"], auction_id=r["auction_id"], bids=r["bids"],
                       annulled=r["annulled"], bidders=set(json.loads(r["bidders"])),
                       extensions=r["extensions"], last_bid_at=r["last_bid_at"], closed=bool(r["closed"]))


def _code_row(prefix: str, c: OneTimeCode) -> Row:
    return {f"{prefix}_code_id": c.id, f"{prefix}_issued_at": c.issued_at, f"{prefix}_expires_at": c.expires_at,
            f"{prefix}_attempts_left": c.attempts_left, f"{prefix}_salt": c.salt,
            f"{prefix}_code_hash": c.code_hash, f"{prefix}_used_at": c.used_at}


def _code_from(prefix: str, purpose: CodePurpose, recipient: str, r: Mapping[str, Any]) -> OneTimeCode:
    return OneTimeCode(id=r[f"{prefix}_code_id"], purpose=purpose, recipient=recipient,
                       issued_at=r[f"{prefix}_issued_at"], expires_at=r[f"{prefix}_expires_at"],
                       attempts_left=r[f"{prefix}_attempts_left"], salt=r[f"{prefix}_salt"],
                       code_hash=r[f"{prefix}_code_hash"], used_at=r[f"{prefix}_used_at"])


def registration_row(x: Registration) -> Row:
    return {"id": x.id, "email": x.email, "phone": x.phone, "full_name": x.full_name,
            "password_hash": x.password_hash, **_code_row("email", x.email_code),
            **_code_row("phone", x.phone_code), "created_at": x.created_at, "verified_at": x.verified_at,
            "user_id": x.user_id, "applied_organization_id": x.applied_organization_id}


def registration_from(r: Mapping[str, Any]) -> Registration:
    return Registration(id=r["id"], email=r["email"], phone=r["phone"], full_name=r["full_name"],
                        password_hash=r["password_hash"],
                        email_code=_code_from("email", CodePurpose.VERIFY_EMAIL, r["email"], r),
                        phone_code=_code_from("phone", CodePurpose.VERIFY_PHONE, r["phone"], r),
                        created_at=r["created_at"], verified_at=r["verified_at"], user_id=r["user_id"],
                        applied_organization_id=r["applied_organization_id"])


def application_row(x: OrganizationApplication) -> Row:
    return {"organization_id": x.organization_id, "applicant_user_id": x.applicant_user_id,
            "applied_at": x.applied_at}


def application_from(r: Mapping[str, Any]) -> OrganizationApplication:
    return OrganizationApplication(organization_id=r["organization_id"], applicant_user_id=r["applicant_user_id"],
                                   applied_at=r["applied_at"])


def invitation_row(x: Invitation) -> Row:
    return {"id": x.id, "organization_id": x.organization_id, "email": x.email, "roles": roles_text(x.roles),
            "token_hash": x.token_hash, "invited_by": x.invited_by, "created_at": x.created_at,
            "expires_at": x.expires_at, "accepted_at": x.accepted_at, "accepted_user_id": x.accepted_user_id}


def invitation_from(r: Mapping[str, Any]) -> Invitation:
    return Invitation(id=r["id"], organization_id=r["organization_id"], email=r["email"],
                      roles=roles_from(r["roles"]), token_hash=r["token_hash"], invited_by=r["invited_by"],
                      created_at=r["created_at"], expires_at=r["expires_at"], accepted_at=r["accepted_at"],
                      accepted_user_id=r["accepted_user_id"])
