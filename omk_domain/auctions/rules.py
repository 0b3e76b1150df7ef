"""The auction rules, one named object each.

Every rule has a code name and the Russian title under which `features/` states it
(`Правило: <title_ru>`); a test checks that each rule here has its feature rule there.
The checks are small pure functions that raise the rule's specific error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from omk_domain.auctions import errors
from omk_domain.auctions.values import (
    AuctionFormat,
    AuctionStatus,
    LotResult,
    OfferStatus,
    OpenBid,
    PriceOffer,
    ResultSource,
    SoftClose,
)
from omk_domain.shared.money import AmountNotPositive, Money
from omk_domain.shared.rules import Rule

TRADING_WINDOW = Rule("trading_window", "Ставки и предложения принимаются только во время торгов по лоту")
ADMITTED_ONLY = Rule("admitted_only", "Участвовать могут только допущенные организации")
FORMAT_DECIDES = Rule("format_decides", "Форма аукциона определяет, какие заявки допустимы")
FIRST_BID_AT_LEAST_START = Rule("first_bid_at_least_start", "Первая ставка не ниже стартовой цены")
BID_RAISES_BY_STEP = Rule("bid_raises_by_step", "Каждая следующая ставка не ниже лидирующей плюс шаг")
LEADER_CANNOT_OUTBID_ITSELF = Rule("leader_cannot_outbid_itself", "Лидер не может перебить собственную ставку")
BIDS_ARE_ANONYMISED = Rule("bids_are_anonymised", "Открытые ставки видны всем обезличенно")
OFFERS_ONLY_WITHOUT_OPEN_BIDS = Rule("offers_only_without_open_bids",
                                     "Ценовое предложение возможно только пока нет действующей ставки")
OFFER_BELOW_START = Rule("offer_below_start", "Ценовое предложение строго ниже стартовой цены")
OFFER_NOT_BELOW_FLOOR = Rule("offer_not_below_floor", "Ценовое предложение не ниже скрытого минимума")
ONE_ACTIVE_OFFER = Rule("one_active_offer", "Одно действующее предложение от организации на лот")
OFFER_CHANGES_UNTIL_CLOSE = Rule("offer_changes_until_close",
                                 "Предложение можно изменить, отозвать или заменить ставкой до закрытия лота")
OFFERS_ARE_SEALED = Rule("offers_are_sealed", "Ценовые предложения запечатаны")
SOFT_CLOSE = Rule("soft_close", "Мягкое закрытие продлевает лот только после принятой ставки")
WINNER_DETERMINATION = Rule("winner_determination", "Победитель определяется при закрытии лота")
ANNULMENT_RECOMPUTES = Rule("annulment_recomputes", "Аннулирование ставки пересчитывает лидера")
RESULTS_REVIEW = Rule("results_review", "Организатор утверждает итоги или передаёт лот следующему")
LIFECYCLE = Rule("lifecycle", "Жизненный цикл аукциона")
IDEMPOTENT_COMMANDS = Rule("idempotent_commands", "Повтор команды с тем же ключом не создаёт вторую заявку")
TAMPER_EVIDENT_JOURNAL = Rule("tamper_evident_journal", "Журнал торгов защищён от подделки")
LIVE_UPDATES_FOR_ADMITTED = Rule("live_updates_for_admitted",
                                 "Живые обновления лота получают только действующие допущенные организации")

RULES: tuple[Rule, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Rule))


# --- checks ---------------------------------------------------------------------------------

def check_trading_window(status: AuctionStatus, starts_at: datetime, closes_at: datetime,
                         lot_open: bool, now: datetime) -> None:
    """Trading happens on a published, uncancelled auction from its start until the lot's close."""
    if status in (AuctionStatus.DRAFT, AuctionStatus.CANCELLED):
        raise errors.AuctionNotTrading(status=status.value)
    if not lot_open or status in (AuctionStatus.FINISHED, AuctionStatus.RESULTS_APPROVED):
        raise errors.BiddingClosed(closes_at=closes_at)
    if now < starts_at:
        raise errors.BiddingNotStarted(starts_at=starts_at)
    if now >= closes_at:
        raise errors.BiddingClosed(closes_at=closes_at)


def check_format_allows_bids(fmt: AuctionFormat) -> None:
    if not fmt.allows_bids:
        raise errors.OpenBidsNotAllowed(format=fmt.value)


def check_format_allows_offers(fmt: AuctionFormat) -> None:
    if not fmt.allows_offers:
        raise errors.OffersNotAllowed(format=fmt.value)


def leader(bids: Sequence[OpenBid], excluded: Iterable[str] = ()) -> OpenBid | None:
    """The highest valid open bid, ignoring `excluded` organisations.

    `bids` is in the order they were accepted. Each accepted bid was above every bid valid at
    that moment, and annulment is permanent, so among the bids still valid the later is always
    the higher: the last valid one leads. That makes this O(1) on a hot lot.
    """
    out = set(excluded)
    for bid in reversed(bids):
        if bid.valid and bid.organization_id not in out:
            return bid
    return None


def check_open_bid(amount: Money, organization_id: str, current_leader: OpenBid | None,
                   start_price: Money, step: Money) -> None:
    """First bid ≥ start price; later ones ≥ leader + step; the leader may not outbid itself."""
    if current_leader is None:
        if amount < start_price:
            raise errors.BidBelowStartPrice(minimum=start_price.amount, amount=amount.amount)
        return
    if current_leader.organization_id == organization_id:
        raise errors.LeaderCannotOutbidItself(leading=current_leader.amount.amount)
    minimum = current_leader.amount + step
    if amount < minimum:
        raise errors.BidBelowStep(minimum=minimum.amount, amount=amount.amount)


def check_offer_amount(amount: Money, start_price: Money, floor: Money | None) -> None:
    """Strictly below the start price, above zero, not below the organiser's hidden floor."""
    if amount.amount <= 0:
        raise AmountNotPositive(amount=amount.amount)
    if amount >= start_price:
        raise errors.OfferNotBelowStartPrice(start_price=start_price.amount, amount=amount.amount)
    if floor is not None and amount < floor:
        # the floor is secret: the message says it exists, never its value
        raise errors.OfferBelowFloor()


def check_offers_open(current_leader: OpenBid | None) -> None:
    if current_leader is not None:
        raise errors.OffersClosedByOpenBid()


def soft_close_extension(policy: SoftClose, *, accepted_at: datetime, closes_at: datetime,
                         closes_at_original: datetime) -> datetime | None:
    """The new close time after an accepted open bid, or None when the lot is not extended."""
    if not policy.enabled or closes_at - accepted_at > policy.window:
        return None
    new_close = max(closes_at, accepted_at + policy.extension)
    if policy.cap is not None:
        new_close = min(new_close, closes_at_original + policy.cap)
    return new_close if new_close > closes_at else None


def best_offer(offers: Iterable[PriceOffer], excluded: Iterable[str] = ()) -> PriceOffer | None:
    """Highest active offer; on equal amounts the one whose current amount came earliest."""
    out = set(excluded)
    candidates = [o for o in offers if o.status is OfferStatus.ACTIVE and o.organization_id not in out]
    if not candidates:
        return None
    return min(candidates, key=lambda o: (-o.amount.amount, o.submitted_at, o.stamp))


def determine_winner(bids: Sequence[OpenBid], offers: Iterable[PriceOffer],
                     excluded: Iterable[str] = ()) -> LotResult:
    """Highest valid open bid; otherwise the best price offer at its own price; otherwise unsold."""
    excluded = tuple(excluded)
    top_bid = leader(bids, excluded)
    if top_bid is not None:
        return LotResult(winner_organization_id=top_bid.organization_id, amount=top_bid.amount,
                         source=ResultSource.BID, source_id=top_bid.id)
    top_offer = best_offer(offers, excluded)
    if top_offer is not None:
        return LotResult(winner_organization_id=top_offer.organization_id, amount=top_offer.amount,
                         source=ResultSource.OFFER, source_id=top_offer.id)
    return LotResult.unsold()


def check_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise errors.ReasonRequired()
    if len(text) > 1000:
        raise errors.ReasonRequired("Причина не длиннее 1000 символов.")
    return text

