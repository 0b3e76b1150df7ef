"""Errors of the auction rules, each named after the broken fact."""

from __future__ import annotations

from omk_domain.shared.errors import Conflict as Conflict
from omk_domain.shared.errors import DomainError as DomainError
from omk_domain.shared.errors import Forbidden as Forbidden
from omk_domain.shared.errors import InvalidValue as InvalidValue
from omk_domain.shared.errors import NotFound as NotFound


class AuctionNotFound(NotFound):
    code = "auction_not_found"
    message_ru = "Аукцион не найден."


class LotNotFound(NotFound):
    code = "lot_not_found"
    message_ru = "Лот не найден."


class BidNotFound(NotFound):
    code = "bid_not_found"
    message_ru = "Ставка не найдена."


class OfferNotFound(NotFound):
    code = "offer_not_found"
    message_ru = "Ценовое предложение не найдено."


class AuctionInvalid(InvalidValue):
    code = "auction_invalid"
    message_ru = "Параметры аукциона заданы неверно."


class LotInvalid(InvalidValue):
    code = "lot_invalid"
    message_ru = "Параметры лота заданы неверно."


class BiddingNotStarted(Conflict):
    code = "bidding_not_started"
    message_ru = "Торги по лоту ещё не начались."


class BiddingClosed(Conflict):
    code = "bidding_closed"
    message_ru = "Торги по лоту завершены."


class AuctionNotTrading(Conflict):
    code = "auction_not_trading"
    message_ru = "Аукцион не проводится: он не опубликован или отменён."


class OrganisationNotAdmitted(Forbidden):
    code = "organisation_not_admitted"
    message_ru = "Организация не допущена к торгам этого аукциона."


class OpenBidsNotAllowed(Conflict):
    code = "open_bids_not_allowed"
    message_ru = "В этом аукционе открытые ставки не предусмотрены (закрытая форма)."


class OffersNotAllowed(Conflict):
    code = "offers_not_allowed"
    message_ru = "В этом аукционе ценовые предложения не предусмотрены (открытая форма)."


class BidBelowStartPrice(InvalidValue):
    code = "bid_below_start_price"
    message_ru = "Первая ставка должна быть не ниже стартовой цены."


class BidBelowStep(InvalidValue):
    code = "bid_below_step"
    message_ru = "Ставка должна быть не ниже лидирующей ставки плюс шаг аукциона."


class LeaderCannotOutbidItself(Conflict):
    code = "leader_cannot_outbid_itself"
    message_ru = "Ваша ставка уже лидирует: перебивать собственную ставку нельзя."


class OffersClosedByOpenBid(Conflict):
    code = "offers_closed_by_open_bid"
    message_ru = "По лоту уже есть открытая ставка: новые ценовые предложения не принимаются."


class OfferNotBelowStartPrice(InvalidValue):
    code = "offer_not_below_start_price"
    message_ru = "Ценовое предложение должно быть строго ниже стартовой цены; чтобы предложить больше, сделайте ставку."


class OfferBelowFloor(InvalidValue):
    code = "offer_below_floor"
    message_ru = "Ценовое предложение ниже минимально допустимой цены организатора."


class ActiveOfferExists(Conflict):
    code = "active_offer_exists"
    message_ru = "У организации уже есть действующее предложение по этому лоту: измените или отзовите его."


class OfferNotActive(Conflict):
    code = "offer_not_active"
    message_ru = "Ценовое предложение уже отозвано или заменено ставкой."


class OfferUnchanged(InvalidValue):
    code = "offer_unchanged"
    message_ru = "Новая сумма предложения совпадает с текущей."


class BidAlreadyAnnulled(Conflict):
    code = "bid_already_annulled"
    message_ru = "Ставка уже аннулирована."


class ReasonRequired(InvalidValue):
    code = "reason_required"
    message_ru = "Укажите причину."


class AuctionStateForbids(Conflict):
    code = "auction_state_forbids"
    message_ru = "Состояние аукциона не допускает это действие."


class LotStateForbids(Conflict):
    code = "lot_state_forbids"
    message_ru = "Состояние лота не допускает это действие."


class NoWinnerToDecline(Conflict):
    code = "no_winner_to_decline"
    message_ru = "У лота нет победителя, от которого можно отказаться."


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message_ru = "Этот ключ повтора уже использован для другой команды."

