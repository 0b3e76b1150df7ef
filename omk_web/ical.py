"""The auction calendar as iCalendar (RFC 5545): what calendar applications subscribe to."""

from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Calendar, Event

from omk_domain.app.auctions import AuctionSummary
from omk_domain.app.browse import CalendarFeed, FeedEntry
from omk_domain.auctions.values import AuctionFormat, AuctionStatus

#: stable per auction, whatever address the portal is served at
UID_DOMAIN = "auctions.omk.ru"
FORMAT_RULES_RU = {
    AuctionFormat.OPEN: "участники повышают цену открытыми ставками",
    AuctionFormat.CLOSED: "только закрытые ценовые предложения ниже стартовой цены",
    AuctionFormat.MIXED: "открытые ставки и, пока их нет, закрытые ценовые предложения",
}
EVENT_STATUS = {AuctionStatus.CANCELLED: "CANCELLED", AuctionStatus.DRAFT: "TENTATIVE"}


def event_uid(auction_id: str) -> str:
    return f"auction-{auction_id}@{UID_DOMAIN}"


def soft_close_ru(auction: AuctionSummary) -> str:
    """The anti-sniping terms in one Russian sentence."""
    window, extension = auction.soft_close_window_min, auction.soft_close_extension_min
    if window <= 0 or extension <= 0:
        return "Мягкое закрытие выключено: торги по лоту закрываются точно в назначенное время."
    text = (f"Мягкое закрытие: открытая ставка, сделанная в последние {window:g} мин до закрытия лота, "
            f"продлевает торги по этому лоту до «момент ставки + {extension:g} мин»")
    if auction.soft_close_cap_min is not None:
        text += f"; всего лот можно продлить не более чем на {auction.soft_close_cap_min:g} мин"
    return text + ". Ценовые предложения срок не продлевают."


def _event(entry: FeedEntry, base_url: str, stamp: object) -> Event:
    a = entry.auction
    status = AuctionStatus(a.status)
    url = f"{base_url}/auctions/{a.id}"
    lines = [f"Аукцион ОМК № {a.number}: {a.title}",
             f"Статус: {status.label_ru}.",
             f"Форма торгов: {AuctionFormat(a.format).label_ru} — {FORMAT_RULES_RU[AuctionFormat(a.format)]}.",
             f"Лотов: {a.lot_count}.",
             soft_close_ru(a),
             "Время закрытия отдельных лотов может сдвинуться из-за мягкого закрытия — смотрите страницу аукциона."]
    if a.cancel_reason:
        lines.insert(2, f"Причина отмены: {a.cancel_reason}")
    if a.description:
        lines.append(a.description)
    lines.append(url)
    event = Event()
    event.add("uid", event_uid(a.id))
    event.add("dtstamp", stamp)
    event.add("dtstart", a.starts_at.astimezone(UTC))
    event.add("dtend", a.ends_at.astimezone(UTC))
    prefix = "Отменён: " if status is AuctionStatus.CANCELLED else ""
    event.add("summary", f"{prefix}Аукцион {a.number}: {a.title}")
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("status", EVENT_STATUS.get(status, "CONFIRMED"))
    event.add("sequence", entry.sequence)
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["Аукцион ОМК"])
    return event


def feed_calendar(feed: CalendarFeed, *, base_url: str) -> bytes:
    """The whole calendar: one VEVENT per auction, times in UTC, texts in Russian."""
    calendar = Calendar()
    calendar.add("prodid", "-//АО ОМК//Аукционы ОМК//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Аукционы ОМК")
    calendar.add("x-wr-caldesc", "Аукционы трубной продукции ОМК, к которым допущена ваша организация")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = feed.generated_at.astimezone(UTC)
    for entry in feed.entries:
        calendar.add_component(_event(entry, base_url, stamp))
    return bytes(calendar.to_ical())
