"""The organiser's operations for client systems and scripts: auctions, lots, admissions, bids, results.

Every route runs the same use case as the admin cabinet pages and the CLI; the policy inside the use
case refuses whoever lacks the permission.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from omk_adapters.files.export import write_results_csv, write_results_xlsx
from omk_adapters.files.lots import MAX_FILE_BYTES, LotFileUnreadable, read_lot_bytes
from omk_adapters.files.moscow import parse_moment
from omk_domain.app import auctions as A
from omk_domain.app.cabinet import AuctionUplift, BrowseAllAuctions, ShowUplift
from omk_domain.app.lot_import import LotDraft, parse_rows
from omk_domain.auctions.values import AuctionFormat, ProductSpec, SoftClose
from omk_domain.auctions.views import LotAdminView
from omk_domain.shared.money import Money, Quantity, Unit
from omk_web.api.common import Limit, Offset, page, run
from omk_web.auth import CurrentActor, services_of
from omk_web.filters import AUCTION_FILTER, ListFilter

Moment = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["2026-12-01T10:00"],
                                     description="ISO 8601; без смещения — московское время")]
Minutes = Annotated[float, msgspec.Meta(ge=0, le=1440)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Amount = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["85000.00"])]
Short = Annotated[str, msgspec.Meta(max_length=200)]


class AuctionBody(msgspec.Struct, forbid_unknown_fields=True):
    """A new auction (a draft until published). Times ISO 8601; without an offset — Moscow time."""

    number: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    format: AuctionFormat
    starts_at: Moment
    ends_at: Moment
    soft_close_window_min: Minutes = 0
    soft_close_extension_min: Minutes = 0
    soft_close_cap_min: Minutes | None = None
    auto_approve: bool = False
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class AuctionChanges(msgspec.Struct, forbid_unknown_fields=True):
    """What to change in an auction that has not started; what is not given stays as it is."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] | None = None
    format: AuctionFormat | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    soft_close_window_min: Minutes | None = None
    soft_close_extension_min: Minutes | None = None
    soft_close_cap_min: Minutes | None = None
    auto_approve: bool | None = None
    description: Annotated[str, msgspec.Meta(max_length=5000)] | None = None


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class DeclineBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    pass_to_next: bool = True


class AdmitBody(msgspec.Struct, forbid_unknown_fields=True):
    organization_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class LotBody(msgspec.Struct, forbid_unknown_fields=True):
    """One lot: prices per unit in roubles as decimal strings; unit т, м or шт (t, m, pcs)."""

    number: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    product_type: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    quantity: Annotated[str, msgspec.Meta(min_length=1, max_length=20, examples=["100"])]
    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=10, examples=["т"])]
    start_price: Amount
    bid_step: Amount
    floor_price: Amount | None = None
    diameter_mm: Annotated[float, msgspec.Meta(gt=0, le=100_000)] | None = None
    wall_mm: Annotated[float, msgspec.Meta(gt=0, le=10_000)] | None = None
    steel_grade: Short = ""
    standard: Short = ""
    warehouse: Short = ""


class LotsBody(msgspec.Struct, forbid_unknown_fields=True):
    lots: Annotated[list[LotBody], msgspec.Meta(min_length=1, max_length=10_000)]


@dataclass
class LotFileForm:
    """A lot list: .csv (`;` or `,`, UTF-8 or cp1251) or .xlsx (first sheet)."""

    file: UploadFile


class ImportReport(msgspec.Struct):
    auction_id: str
    file: str
    imported: int
    lots: list[LotAdminView]


class JournalAnswer(msgspec.Struct):
    auction_id: str
    ok: bool
    lots: list[dict[str, Any]]
    first_broken: dict[str, Any] | None


def soft_close(window: float | None, extension: float | None, cap: float | None) -> SoftClose:
    return SoftClose(window=timedelta(minutes=window or 0), extension=timedelta(minutes=extension or 0),
                     cap=None if cap is None else timedelta(minutes=cap))


def moment(text: str | None) -> datetime | None:
    return None if text is None else parse_moment(text)


def lot_draft(index: int, body: LotBody) -> LotDraft:
    """A JSON lot as the same draft a file row becomes (the value objects check each value)."""
    return LotDraft(row=index, number=body.number, title=body.title,
                    product=ProductSpec(product_type=body.product_type, diameter_mm=body.diameter_mm,
                                        wall_mm=body.wall_mm, steel_grade=body.steel_grade,
                                        standard=body.standard, warehouse=body.warehouse),
                    quantity=Quantity.parse(body.quantity, Unit.parse(body.unit)),
                    start_price=Money.parse_positive(body.start_price),
                    bid_step=Money.parse_positive(body.bid_step),
                    floor_price=Money.parse_positive(body.floor_price) if body.floor_price else None)


def read_upload(upload: Any) -> tuple[str, bytes]:
    """The name and bytes of an uploaded file, refusing a missing one or one larger than a lot file may be."""
    if not isinstance(upload, UploadFile):
        raise LotFileUnreadable("Приложите файл лотов (.csv или .xlsx).")
    upload.file.seek(0)
    data = upload.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise LotFileUnreadable(f"Файл больше {MAX_FILE_BYTES // (1024 * 1024)} МБ.", file=upload.filename)
    return upload.filename or "", data


def drafts_from_file(filename: str, data: bytes) -> tuple[LotDraft, ...]:
    """Every row checked: the drafts, or LotFileRejected listing every bad cell (nothing is added)."""
    header, rows = read_lot_bytes(data, filename)
    return tuple(parse_rows(header, rows))


JOURNAL_REASONS_RU = (
    ("is missing", "запись отсутствует — цепочка прервана"),
    ("previous-hash link", "ссылка на предыдущую запись не совпадает"),
    ("content does not match", "содержимое записи изменено: хеш не совпадает"),
    ("were removed", "последние записи удалены: хеш головы цепочки не совпадает"),
)


def journal_reason_ru(reason: str | None) -> str | None:
    """The verifier's finding in Russian, for people and for the `message` of the API answer."""
    if reason is None:
        return None
    return next((ru for marker, ru in JOURNAL_REASONS_RU if marker in reason), "запись не проходит проверку")


def journal_answer(report: A.JournalReport) -> JournalAnswer:
    lots = [{"lot_id": v.lot_id, "entries": v.entries, "ok": v.ok, "first_broken_seq": v.first_broken_seq,
             "reason": v.reason, "message": journal_reason_ru(v.reason)} for v in report.lots]
    return JournalAnswer(auction_id=report.auction_id, ok=report.ok, lots=lots,
                         first_broken=next((x for x in lots if not x["ok"]), None))


ProtocolFormat = Literal["xlsx", "csv"]
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8"}


def protocol_file(results: A.AuctionResults, fmt: ProtocolFormat, now: datetime) -> tuple[bytes, str]:
    """The results protocol's bytes and its Russian file name."""
    with tempfile.TemporaryDirectory(prefix="omk-protocol-") as folder:
        target = Path(folder) / f"protocol.{fmt}"
        if fmt == "xlsx":
            write_results_xlsx(results, target, generated_at=now)
        else:
            write_results_csv(results, target)
        data = target.read_bytes()
    number = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in results.auction.number)
    return data, f"Протокол итогов аукциона {number}.{fmt}"


def attachment(data: bytes, filename: str, fmt: ProtocolFormat) -> Response[bytes]:
    """A download with an ASCII fallback name and the Russian one per RFC 5987 (`filename*`)."""
    ascii_name = filename.encode("ascii", "ignore").decode().strip() or "protocol"
    ascii_name = "protocol-" + "".join(ch for ch in ascii_name if ch.isalnum() or ch in "-_.").lstrip("-_.")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(content=data, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})


class AdminAuctionsApi(Controller):
    path = "/admin/auctions"
    tags = ["Кабинет организатора"]

    @get("/", operation_id="adminListAuctions", summary="Все аукционы (организатор)", sync_to_thread=True,
         dependencies={"auction_filter": AUCTION_FILTER})
    def list_auctions(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                      auction_filter: ListFilter) -> dict[str, Any]:
        """Every auction in any status (drafts and cancelled too), filtered, by start time."""
        found = run(request, BrowseAllAuctions(filter=auction_filter), actor)
        return page(found.items, found.total, found.limit, found.offset)

    @post("/", operation_id="createAuction", summary="Создать аукцион", sync_to_thread=True,
          status_code=HTTP_201_CREATED)
    def create(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
               data: JSONBody[AuctionBody]) -> A.AuctionSummary:
        """A draft auction; the end must be after the start, the number unique."""
        return run(request, A.CreateAuction(  # type: ignore[no-any-return]
            number=data.number, title=data.title, format=data.format, starts_at=parse_moment(data.starts_at),
            ends_at=parse_moment(data.ends_at),
            soft_close=soft_close(data.soft_close_window_min, data.soft_close_extension_min,
                                  data.soft_close_cap_min),
            auto_approve=data.auto_approve, description=data.description), actor)

    @get("/{auction_id:str}", operation_id="adminShowAuction", summary="Аукцион с лотами (организатор)",
         sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
             auction_id: FromPath[str]) -> A.AuctionDetails:
        """OMK staff who may only view (`view_only`: true) get the lots without the sealed price offers."""
        return run(request, A.ShowAuction(auction_id=auction_id), actor)  # type: ignore[no-any-return]

    @patch("/{auction_id:str}", operation_id="editAuction", summary="Изменить аукцион", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
             data: JSONBody[AuctionChanges]) -> A.AuctionSummary:
        """Only before the auction starts; the format only in a draft."""
        changes_soft = any(v is not None for v in (data.soft_close_window_min, data.soft_close_extension_min,
                                                   data.soft_close_cap_min))
        return run(request, A.EditAuction(  # type: ignore[no-any-return]
            auction_id=auction_id, title=data.title, format=data.format, starts_at=moment(data.starts_at),
            ends_at=moment(data.ends_at),
            soft_close=soft_close(data.soft_close_window_min, data.soft_close_extension_min,
                                  data.soft_close_cap_min) if changes_soft else None,
            auto_approve=data.auto_approve, description=data.description), actor)

    @post("/{auction_id:str}/publish", operation_id="publishAuction", summary="Опубликовать аукцион",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def publish(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                auction_id: FromPath[str]) -> A.AuctionSummary:
        """A draft with at least one lot and a start in the future becomes announced."""
        return run(request, A.PublishAuction(auction_id=auction_id), actor)  # type: ignore[no-any-return]

    @post("/{auction_id:str}/cancel", operation_id="cancelAuction", summary="Отменить аукцион",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def cancel(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
               data: JSONBody[ReasonBody]) -> A.AuctionSummary:
        """Before the trading is over, with a reason the participants will read."""
        return run(request, A.CancelAuction(auction_id=auction_id, reason=data.reason),  # type: ignore[no-any-return]
                   actor)

    @post("/{auction_id:str}/lots", operation_id="addLots", summary="Добавить лоты", sync_to_thread=True,
          status_code=HTTP_201_CREATED)
    def add_lots(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
                 data: JSONBody[LotsBody]) -> list[LotAdminView]:
        """All the lots or none, before the auction starts; lot numbers unique within the auction."""
        drafts = tuple(lot_draft(i, body) for i, body in enumerate(data.lots, start=1))
        return run(request, A.AddLots(auction_id=auction_id, drafts=drafts), actor)  # type: ignore[no-any-return]

    @post("/{auction_id:str}/lots/file", operation_id="uploadLotFile", summary="Загрузить лоты из файла",
          sync_to_thread=True, status_code=HTTP_201_CREATED)
    def upload_lots(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                    auction_id: FromPath[str], data: MultipartBody[LotFileForm]) -> ImportReport:
        """A CSV or XLSX lot list, all or nothing: a file with errors is a 422 whose `errors` name every
        bad cell (`row` — the file's row, 1 being the header; `column`; `reason`), and nothing is added."""
        filename, content = read_upload(data.file)
        added = run(request, A.AddLots(auction_id=auction_id, drafts=drafts_from_file(filename, content)), actor)
        return ImportReport(auction_id=auction_id, file=filename, imported=len(added), lots=added)

    @get("/{auction_id:str}/admissions", operation_id="listAdmissions", summary="Допущенные организации",
         sync_to_thread=True)
    def admissions(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
                   limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        lines = run(request, A.ListAdmissions(auction_id=auction_id), actor)
        return page(lines[offset:offset + limit], len(lines), limit, offset)

    @post("/{auction_id:str}/admissions", operation_id="admitOrganization", summary="Допустить организацию",
          sync_to_thread=True, status_code=HTTP_201_CREATED)
    def admit(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
              data: JSONBody[AdmitBody]) -> A.AdmissionLine:
        """Until the trading is over; the organisation gets an alias («Участник N») for the open feed."""
        return run(request, A.AdmitOrganization(  # type: ignore[no-any-return]
            auction_id=auction_id, organization_id=data.organization_id), actor)

    @delete("/{auction_id:str}/admissions/{organization_id:str}", operation_id="revokeAdmission",
            summary="Отозвать допуск", sync_to_thread=True, status_code=HTTP_200_OK)
    def revoke(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
               organization_id: FromPath[str]) -> dict[str, Any]:
        run(request, A.RevokeAdmission(auction_id=auction_id, organization_id=organization_id), actor)
        return {"auction_id": auction_id, "organization_id": organization_id, "active": False}

    @get("/{auction_id:str}/bids", operation_id="adminListBids", summary="Все ставки и предложения",
         sync_to_thread=True)
    def all_bids(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
                 limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        """Every lot with every open bid (annulled ones marked) and every sealed price offer."""
        lots = run(request, A.ListLots(auction_id=auction_id), actor)
        return page(lots[offset:offset + limit], len(lots), limit, offset)

    @post("/{auction_id:str}/results/approve", operation_id="approveResults", summary="Утвердить итоги",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def approve(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                auction_id: FromPath[str]) -> A.AuctionResults:
        """Only a finished auction; afterwards no bid can be annulled and no winner declined."""
        return run(request, A.ApproveResults(auction_id=auction_id), actor)  # type: ignore[no-any-return]

    @get("/{auction_id:str}/protocol", operation_id="downloadProtocol", summary="Протокол итогов (XLSX/CSV)",
         sync_to_thread=True, media_type=MEDIA["xlsx"])
    def protocol(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str],
                 fmt: Annotated[ProtocolFormat, QueryParameter(name="format")] = "xlsx") -> Response[bytes]:
        """The results protocol of a finished auction as an XLSX workbook or a CSV for Russian Excel."""
        results = run(request, A.ShowResults(auction_id=auction_id), actor)
        data, name = protocol_file(results, fmt, services_of(request).clock.now())
        return attachment(data, name, fmt)

    @get("/{auction_id:str}/journal", operation_id="verifyJournal", summary="Проверить журнал торгов",
         sync_to_thread=True)
    def journal(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                auction_id: FromPath[str]) -> JournalAnswer:
        """Recompute every lot's hash chain; `first_broken` names the first lot and entry that fails."""
        return journal_answer(run(request, A.VerifyJournal(auction_id=auction_id), actor))

    @get("/{auction_id:str}/uplift", operation_id="showUplift", summary="Прирост цены", sync_to_thread=True)
    def uplift(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
               auction_id: FromPath[str]) -> AuctionUplift:
        """Final vs start price per lot and for the auction (weighted by lot value)."""
        return run(request, ShowUplift(auction_id=auction_id), actor)  # type: ignore[no-any-return]


class AdminLotsApi(Controller):
    path = "/admin/lots"
    tags = ["Кабинет организатора"]

    @post("/{lot_id:str}/bids/{bid_id:str}/annul", operation_id="annulBid", summary="Аннулировать ставку",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def annul(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
              bid_id: FromPath[str], data: JSONBody[ReasonBody]) -> LotAdminView:
        """With a reason, until the results are approved; the leader is recomputed."""
        return run(request, A.AnnulBid(lot_id=lot_id, bid_id=bid_id, reason=data.reason),  # type: ignore[no-any-return]
                   actor)

    @post("/{lot_id:str}/decline-winner", operation_id="declineWinner", summary="Отказ победителя",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def decline(self, request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
                data: JSONBody[DeclineBody]) -> LotAdminView:
        """A closed lot before approval: pass it to the next-best bid or offer, or leave it unsold."""
        return run(request, A.DeclineWinner(  # type: ignore[no-any-return]
            lot_id=lot_id, reason=data.reason, pass_to_next=data.pass_to_next), actor)
