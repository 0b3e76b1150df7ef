"""The organiser's cabinet (/admin): auctions, lots, admissions, bids, results, journal, uplift.

Every page runs the same use cases as the admin API and the CLI; the policy inside them decides
who may see the cabinet (a client gets the 403 page, a stranger is sent to sign in).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, MultipartBody, QueryParameter, URLEncodedBody
from litestar.response import Template

from omk_adapters.files.moscow import MOSCOW, parse_moment
from omk_domain.app import auctions as A
from omk_domain.app.cabinet import BrowseAllAuctions, ShowUplift
from omk_domain.app.identity import ListOrganizations
from omk_domain.app.lot_import import COLUMNS
from omk_domain.auctions.values import AuctionFormat, AuctionStatus, SoftClose
from omk_domain.identity.model import OrganizationStatus
from omk_domain.ports import AuctionFilter, OrganizationFilter
from omk_domain.shared.errors import DomainError
from omk_web import filters as F
from omk_web.api.admin import (
    ProtocolFormat,
    attachment,
    drafts_from_file,
    journal_reason_ru,
    protocol_file,
    read_upload,
)
from omk_web.auth import CurrentActor, services_of
from omk_web.pages.common import attempt, handle, render, see_other
from omk_web.problems import status_of

PAGE_SIZE = 20
#: a lot file's column as people call it, for the per-row error report
COLUMN_LABELS = {canon: names[1] for canon, names in COLUMNS.items()}
AUCTION_FIELDS = ("number", "title", "format", "starts_at", "ends_at", "soft_close_window_min",
                  "soft_close_extension_min", "soft_close_cap_min", "auto_approve", "description")


def _local(value: datetime | None) -> str:
    """A moment as a datetime-local input value in Moscow time."""
    return value.astimezone(MOSCOW).strftime("%Y-%m-%dT%H:%M") if value is not None else ""


def _minutes(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _form_of(summary: A.AuctionSummary) -> dict[str, str]:
    return {"number": summary.number, "title": summary.title, "format": summary.format,
            "starts_at": _local(summary.starts_at), "ends_at": _local(summary.ends_at),
            "soft_close_window_min": _minutes(summary.soft_close_window_min),
            "soft_close_extension_min": _minutes(summary.soft_close_extension_min),
            "soft_close_cap_min": _minutes(summary.soft_close_cap_min),
            "auto_approve": "on" if summary.auto_approve else "", "description": summary.description}


class AuctionForm:
    """What a person typed into the auction form, turned into command values; what does not parse is
    named beside its field (the rules themselves are the use case's)."""

    def __init__(self, data: dict[str, str]) -> None:
        self.values = {name: (data.get(name) or "").strip() for name in AUCTION_FIELDS}
        self.errors: dict[str, str] = {}

    def moment(self, name: str, what: str) -> datetime | None:
        text = self.values[name]
        if not text:
            self.errors[name] = f"Укажите {what}."
            return None
        try:
            return parse_moment(text)
        except DomainError:
            self.errors[name] = "Дата и время — в виде ГГГГ-ММ-ДДTЧЧ:ММ (московское время), например 2026-12-01T10:00."
            return None

    def minutes(self, name: str, *, optional: bool = False) -> timedelta | None:
        text = self.values[name].replace(",", ".")
        if not text:
            return None if optional else timedelta(0)
        try:
            value = float(text)
        except ValueError:
            self.errors[name] = "Введите число минут, например 5."
            return None
        if not 0 <= value <= 1440:
            self.errors[name] = "Число минут — от 0 до 1440 (сутки)."
            return None
        return timedelta(minutes=value)

    def format(self) -> AuctionFormat | None:
        try:
            return AuctionFormat(self.values["format"])
        except ValueError:
            self.errors["format"] = "Выберите форму торгов."
            return None

    def soft_close(self) -> SoftClose | None:
        window = self.minutes("soft_close_window_min")
        extension = self.minutes("soft_close_extension_min")
        cap = self.minutes("soft_close_cap_min", optional=True)
        if any(self.errors.get(n) for n in ("soft_close_window_min", "soft_close_extension_min",
                                            "soft_close_cap_min")):
            return None
        return SoftClose(window=window or timedelta(0), extension=extension or timedelta(0), cap=cap)


def _organisations(request: Request[Any, Any, Any], actor: Any) -> list[Any]:
    return list(handle(request, ListOrganizations(filter=OrganizationFilter(status=OrganizationStatus.ACTIVE,
                                                                            limit=1000)), actor))


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False

    # --- the list ------------------------------------------------------------------------------
    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], *, actor: CurrentActor, status: F.FormStatus = None,
              starts_from: F.FormDayFrom = None, starts_until: F.FormDayUntil = None, q: F.FormText = None,
              page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1) -> Template:
        """Every auction with filters (status, start dates, text) and pages of 20."""
        form = F.FormAuctionFilter.of(status, starts_from, starts_until, q)
        flt, errors = form.parse(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        found = handle(request, BrowseAllAuctions(filter=flt), actor)
        pages = max(1, -(-found.total // PAGE_SIZE))
        return render(request, "admin/index.html", actor, status_code=422 if errors else 200, found=found,
                      page=page, pages=pages, query=form.query, errors=errors, statuses=list(AuctionStatus))

    # --- create / edit -------------------------------------------------------------------------
    @get("/auctions/new", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], *, actor: CurrentActor) -> Template:
        handle(request, BrowseAllAuctions(filter=AuctionFilter(limit=1)), actor)  # the policy: staff only
        values = dict.fromkeys(AUCTION_FIELDS, "") | {"format": "mixed", "soft_close_window_min": "0",
                                                      "soft_close_extension_min": "0"}
        return self._form(request, actor, values=values, errors={}, problem=None, auction=None)

    @post("/auctions/new", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
               data: URLEncodedBody[dict[str, str]]) -> Any:
        form = AuctionForm(data)
        fmt, starts, ends = form.format(), form.moment("starts_at", "начало торгов"), \
            form.moment("ends_at", "окончание торгов")
        soft = form.soft_close()
        if form.errors or fmt is None or starts is None or ends is None or soft is None:
            handle(request, BrowseAllAuctions(filter=AuctionFilter(limit=1)), actor)
            return self._form(request, actor, values=form.values, errors=form.errors, problem=None, auction=None,
                              status_code=422)
        created, error = attempt(request, A.CreateAuction(
            number=form.values["number"], title=form.values["title"], format=fmt, starts_at=starts, ends_at=ends,
            soft_close=soft, auto_approve=bool(form.values["auto_approve"]),
            description=form.values["description"]), actor)
        if error is not None:
            return self._form(request, actor, values=form.values, errors={}, problem=error, auction=None,
                              status_code=status_of(error))
        return see_other(f"/admin/auctions/{created.id}", "auction_saved")

    @get("/auctions/{auction_id:str}/edit", sync_to_thread=True)
    def edit_form(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                  auction_id: FromPath[str]) -> Template:
        details = handle(request, A.ShowAuction(auction_id=auction_id), actor)
        return self._form(request, actor, values=_form_of(details.auction), errors={}, problem=None,
                          auction=details.auction)

    @post("/auctions/{auction_id:str}/edit", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
             data: URLEncodedBody[dict[str, str]]) -> Any:
        current = handle(request, A.ShowAuction(auction_id=auction_id), actor).auction
        form = AuctionForm({"number": current.number, **data})
        fmt, starts, ends = form.format(), form.moment("starts_at", "начало торгов"), \
            form.moment("ends_at", "окончание торгов")
        soft = form.soft_close()
        if form.errors or fmt is None or starts is None or ends is None or soft is None:
            return self._form(request, actor, values=form.values, errors=form.errors, problem=None,
                              auction=current, status_code=422)
        _, error = attempt(request, A.EditAuction(
            auction_id=auction_id, title=form.values["title"],
            format=fmt if fmt.value != current.format else None, starts_at=starts, ends_at=ends,
            soft_close=soft, auto_approve=bool(form.values["auto_approve"]),
            description=form.values["description"]), actor)
        if error is not None:
            return self._form(request, actor, values=form.values, errors={}, problem=error, auction=current,
                              status_code=status_of(error))
        return see_other(f"/admin/auctions/{auction_id}", "auction_saved")

    @staticmethod
    def _form(request: Request[Any, Any, Any], actor: Any, *, values: dict[str, str], errors: dict[str, str],
              problem: DomainError | None, auction: A.AuctionSummary | None, status_code: int = 200) -> Template:
        return render(request, "admin/auction_form.html", actor, status_code=status_code, values=values,
                      errors=errors, problem=problem, auction=auction, formats=list(AuctionFormat))

    # --- one auction: lots, publish, cancel, upload ------------------------------------------------
    @get("/auctions/{auction_id:str}", sync_to_thread=True)
    def detail(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str]) -> Template:
        return self._detail(request, actor, auction_id)

    def _detail(self, request: Request[Any, Any, Any], actor: Any, auction_id: str, *, status_code: int = 200,
                **context: Any) -> Template:
        details = handle(request, A.ShowAuction(auction_id=auction_id), actor)
        defaults: dict[str, Any] = {"upload": None, "cancel": None, "publish": None, "reason": ""}
        return render(request, "admin/auction.html", actor, status_code=status_code, auction=details.auction,
                      lots=details.lots, view_only=details.view_only, tab="lots", columns=COLUMN_LABELS,
                      **(defaults | context))

    @post("/auctions/{auction_id:str}/publish", sync_to_thread=True)
    def publish(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str]) -> Any:
        _, error = attempt(request, A.PublishAuction(auction_id=auction_id), actor)
        if error is not None:
            return self._detail(request, actor, auction_id, status_code=status_of(error), publish=error)
        return see_other(f"/admin/auctions/{auction_id}", "auction_published")

    @post("/auctions/{auction_id:str}/cancel", sync_to_thread=True)
    def cancel(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
               data: URLEncodedBody[dict[str, str]]) -> Any:
        reason = data.get("reason") or ""
        _, error = attempt(request, A.CancelAuction(auction_id=auction_id, reason=reason), actor)
        if error is not None:
            return self._detail(request, actor, auction_id, status_code=status_of(error), cancel=error,
                                reason=reason)
        return see_other(f"/admin/auctions/{auction_id}", "auction_cancelled")

    @post("/auctions/{auction_id:str}/lots", sync_to_thread=True)
    def upload(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
               data: MultipartBody[dict[str, Any]]) -> Any:
        """A CSV/XLSX lot list, all or nothing; a bad file is shown back row by row and adds nothing."""
        handle(request, A.ShowAuction(auction_id=auction_id), actor)  # staff only, before reading the file
        try:
            filename, content = read_upload(data.get("file"))
            handle(request, A.AddLots(auction_id=auction_id, drafts=drafts_from_file(filename, content)), actor)
        except DomainError as error:
            return self._detail(request, actor, auction_id, status_code=status_of(error), upload=error)
        return see_other(f"/admin/auctions/{auction_id}", "lots_added")

    # --- admissions ------------------------------------------------------------------------------
    @get("/auctions/{auction_id:str}/admissions", sync_to_thread=True)
    def admissions(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                   auction_id: FromPath[str]) -> Template:
        return self._admissions(request, actor, auction_id)

    def _admissions(self, request: Request[Any, Any, Any], actor: Any, auction_id: str, *, status_code: int = 200,
                    problem: DomainError | None = None) -> Template:
        details = handle(request, A.ShowAuction(auction_id=auction_id), actor)
        lines = handle(request, A.ListAdmissions(auction_id=auction_id), actor)
        organisations = _organisations(request, actor)
        names = {o.id: o for o in organisations}
        admitted = {line.organization_id for line in lines if line.active}
        return render(request, "admin/admissions.html", actor, status_code=status_code, auction=details.auction,
                      tab="admissions", lines=lines, names=names, problem=problem,
                      candidates=[o for o in organisations if o.id not in admitted])

    @post("/auctions/{auction_id:str}/admissions", sync_to_thread=True)
    def admit(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
              data: URLEncodedBody[dict[str, str]]) -> Any:
        _, error = attempt(request, A.AdmitOrganization(auction_id=auction_id,
                                                        organization_id=data.get("organization_id") or ""), actor)
        if error is not None:
            return self._admissions(request, actor, auction_id, status_code=status_of(error), problem=error)
        return see_other(f"/admin/auctions/{auction_id}/admissions", "admitted")

    @post("/auctions/{auction_id:str}/admissions/{organization_id:str}/revoke", sync_to_thread=True)
    def revoke(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
               organization_id: FromPath[str]) -> Any:
        _, error = attempt(request, A.RevokeAdmission(auction_id=auction_id, organization_id=organization_id),
                           actor)
        if error is not None:
            return self._admissions(request, actor, auction_id, status_code=status_of(error), problem=error)
        return see_other(f"/admin/auctions/{auction_id}/admissions", "admission_revoked")

    # --- bids and offers -------------------------------------------------------------------------
    @get("/auctions/{auction_id:str}/bids", sync_to_thread=True)
    def bids(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str]) -> Template:
        return self._bids(request, actor, auction_id)

    def _bids(self, request: Request[Any, Any, Any], actor: Any, auction_id: str, *, status_code: int = 200,
              problem: DomainError | None = None, failed_bid: str = "", reason: str = "") -> Template:
        details = handle(request, A.ShowAuction(auction_id=auction_id), actor)
        if details.view_only:  # the aliases the bids carry: the admissions list is the organiser's
            aliases = {b.organization_id: b.alias for lot in details.lots for b in lot.bids}
        else:
            aliases = {line.organization_id: line.alias
                       for line in handle(request, A.ListAdmissions(auction_id=auction_id), actor)}
        return render(request, "admin/bids.html", actor, status_code=status_code, auction=details.auction,
                      tab="bids", lots=details.lots, view_only=details.view_only, aliases=aliases, problem=problem,
                      failed_bid=failed_bid, reason=reason)

    @post("/auctions/{auction_id:str}/lots/{lot_id:str}/bids/{bid_id:str}/annul", sync_to_thread=True)
    def annul(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
              lot_id: FromPath[str], bid_id: FromPath[str], data: URLEncodedBody[dict[str, str]]) -> Any:
        reason = data.get("reason") or ""
        _, error = attempt(request, A.AnnulBid(lot_id=lot_id, bid_id=bid_id, reason=reason), actor)
        if error is not None:
            return self._bids(request, actor, auction_id, status_code=status_of(error), problem=error,
                              failed_bid=bid_id, reason=reason)
        return see_other(f"/admin/auctions/{auction_id}/bids", "bid_annulled")

    # --- results ---------------------------------------------------------------------------------
    @get("/auctions/{auction_id:str}/results", sync_to_thread=True)
    def results(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                auction_id: FromPath[str]) -> Template:
        return self._results(request, actor, auction_id)

    def _results(self, request: Request[Any, Any, Any], actor: Any, auction_id: str, *, status_code: int = 200,
                 problem: DomainError | None = None, failed_lot: str = "", reason: str = "") -> Template:
        details = handle(request, A.ShowAuction(auction_id=auction_id), actor)
        results, unavailable = attempt(request, A.ShowResults(auction_id=auction_id), actor)
        return render(request, "admin/results.html", actor, status_code=status_code, auction=details.auction,
                      tab="results", results=results, unavailable=unavailable, problem=problem,
                      failed_lot=failed_lot, reason=reason)

    @post("/auctions/{auction_id:str}/lots/{lot_id:str}/decline", sync_to_thread=True)
    def decline(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
                lot_id: FromPath[str], data: URLEncodedBody[dict[str, str]]) -> Any:
        reason = data.get("reason") or ""
        _, error = attempt(request, A.DeclineWinner(lot_id=lot_id, reason=reason,
                                                    pass_to_next=data.get("pass_to_next") != "no"), actor)
        if error is not None:
            return self._results(request, actor, auction_id, status_code=status_of(error), problem=error,
                                 failed_lot=lot_id, reason=reason)
        return see_other(f"/admin/auctions/{auction_id}/results", "winner_declined")

    @post("/auctions/{auction_id:str}/approve", sync_to_thread=True)
    def approve(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str]) -> Any:
        _, error = attempt(request, A.ApproveResults(auction_id=auction_id), actor)
        if error is not None:
            return self._results(request, actor, auction_id, status_code=status_of(error), problem=error)
        return see_other(f"/admin/auctions/{auction_id}/results", "results_approved")

    @get("/auctions/{auction_id:str}/protocol", sync_to_thread=True)
    def protocol(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
                 fmt: Annotated[ProtocolFormat, QueryParameter(name="format")] = "xlsx") -> Response[bytes]:
        results = handle(request, A.ShowResults(auction_id=auction_id), actor)
        data, name = protocol_file(results, fmt, services_of(request).clock.now())
        return attachment(data, name, fmt)

    # --- journal and uplift ----------------------------------------------------------------------
    @get("/auctions/{auction_id:str}/journal", sync_to_thread=True)
    def journal(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                auction_id: FromPath[str]) -> Template:
        details = handle(request, A.ShowAuction(auction_id=auction_id), actor)
        report = handle(request, A.VerifyJournal(auction_id=auction_id), actor)
        numbers = {lot.lot_id: lot.number for lot in details.lots}
        verdicts = [{"number": numbers.get(v.lot_id), "entries": v.entries, "ok": v.ok,
                     "seq": v.first_broken_seq, "reason": journal_reason_ru(v.reason)} for v in report.lots]
        first_broken = next((v for v in verdicts if not v["ok"]), None)
        return render(request, "admin/journal.html", actor, auction=details.auction, tab="journal",
                      report=report, verdicts=verdicts, first_broken=first_broken)

    @get("/auctions/{auction_id:str}/uplift", sync_to_thread=True)
    def uplift(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
               auction_id: FromPath[str]) -> Template:
        uplift = handle(request, ShowUplift(auction_id=auction_id), actor)
        return render(request, "admin/uplift.html", actor, auction=uplift.auction, tab="uplift", uplift=uplift)
