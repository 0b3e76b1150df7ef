"""THE composition root: picks adapters from settings and wires the use cases to them.

Nothing here runs at import time; every entrypoint (CLI, web, worker, tests) calls `bootstrap()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import structlog

from omk_adapters.memory.clock import SystemClock
from omk_adapters.memory.search import InMemoryLotSearch
from omk_adapters.messaging.inprocess import InProcessBroker
from omk_adapters.messaging.relay import BackgroundRelay, OutboxRelay
from omk_adapters.messaging.worker import subscribe_in_process
from omk_adapters.notify import make_mailer, make_sms_sender
from omk_adapters.search.sql import sql_lot_search
from omk_adapters.security.codes import SecretsCodeGenerator
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_adapters.security.totp import PyOtpTotpService
from omk_adapters.settings import Settings
from omk_adapters.sql.cache import LotCache
from omk_adapters.sql.engine import make_engine
from omk_adapters.sql.outbox import SqlAlchemyOutboxStore
from omk_adapters.sql.uow import SqlAlchemyUnitOfWork, make_session_factory
from omk_domain.app import usecases  # noqa: F401  (registers every use case)
from omk_domain.app.bus import MessageBus
from omk_domain.identity.signin import SessionTimeouts
from omk_domain.ports import (
    CodeGenerator,
    EventPublisher,
    LotSearch,
    Mailer,
    PasswordHasher,
    SmsSender,
    TotpService,
    UnitOfWork,
)
from omk_domain.shared.clock import Clock

log = structlog.get_logger("omk.bootstrap")


@attrs.define(kw_only=True)
class Services:
    """Everything an entrypoint needs, built once."""

    settings: Settings
    clock: Clock
    bus: MessageBus
    uow_factory: Callable[[], UnitOfWork]
    relay: OutboxRelay
    publisher: EventPublisher
    broker: InProcessBroker | None
    engine: Any
    #: email and SMS delivery chosen by settings (local outbox folder, SMTP, SMS.ru); nothing connects until a send
    mailer: Mailer = attrs.field(default=attrs.Factory(lambda s: make_mailer(s.settings, s.clock), takes_self=True))
    sms: SmsSender = attrs.field(default=attrs.Factory(lambda s: make_sms_sender(s.settings, s.clock), takes_self=True))
    #: security primitives: Argon2id with the settings' parameters, six-digit codes from `secrets`, TOTP
    password_hasher: PasswordHasher = attrs.field(
        default=attrs.Factory(lambda s: Argon2idPasswordHasher.from_settings(s.settings), takes_self=True))
    codes: CodeGenerator = attrs.field(factory=SecretsCodeGenerator)
    totp: TotpService = attrs.field(factory=PyOtpTotpService)
    #: lot search: PostgreSQL full-text search on PostgreSQL, the embedded index on SQLite (in memory without an engine)
    search: LotSearch = attrs.field(default=attrs.Factory(
        lambda s: InMemoryLotSearch() if s.engine is None else sql_lot_search(s.engine), takes_self=True))
    #: the relay's own thread when commands only wake it (the web server); None when it runs inline
    background_relay: BackgroundRelay | None = None

    def __attrs_post_init__(self) -> None:
        """Give the bus the ports the use cases declare (unless the caller's bus has its own)."""
        deps = dict(self.bus.deps)
        for name, value in self.use_case_deps().items():
            deps.setdefault(name, value)
        self.bus.deps = deps

    def use_case_deps(self) -> dict[str, Any]:
        return {"password_hasher": self.password_hasher, "codes": self.codes, "mailer": self.mailer,
                "sms": self.sms, "totp": self.totp, "search": self.search,
                "reset_link_base": f"{self.settings.public_url}/password-reset",
                "invitation_link_base": f"{self.settings.public_url}/invitation",
                "requests_link_base": f"{self.settings.public_url}/help/requests",
                "session_timeouts": SessionTimeouts(
                    idle=timedelta(minutes=self.settings.session_idle_minutes),
                    absolute=timedelta(hours=self.settings.session_absolute_hours))}

    def close(self) -> None:
        if self.background_relay is not None:
            self.background_relay.stop()  # a last pass first, while the publisher is still open
        for part in (self.publisher, self.search):
            close = getattr(part, "close", None)
            if close is not None:
                close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None,
              migrate: bool = False, relay_after_commit: bool = True,
              relay_in_background: bool = False) -> Services:
    """Build the services from settings (read from the environment when not given).

    After a command commits messages the relay runs in the caller's thread (`relay_after_commit`:
    the CLI, tests), or on a thread of its own that the commit only wakes (`relay_in_background`:
    the web server, so a request does not wait for the broker and the projections).
    """
    settings = settings or Settings.load()
    clock = clock or SystemClock()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    if migrate:
        from omk_adapters.sql.migrate import upgrade

        upgrade(engine)
    session_factory = make_session_factory(engine)
    lot_cache = LotCache()
    search = sql_lot_search(engine)

    def uow_factory() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory, lot_cache=lot_cache)

    broker: InProcessBroker | None = None
    publisher: EventPublisher
    if settings.amqp_url:
        from omk_adapters.messaging.rabbitmq import PikaEventPublisher

        publisher = PikaEventPublisher(settings.amqp_url, exchange=settings.amqp_exchange)
    else:
        broker = InProcessBroker()
        publisher = broker
        subscribe_in_process(broker, uow_factory, clock, search)
    relay = OutboxRelay(SqlAlchemyOutboxStore(engine), publisher, clock)

    def after_commit() -> None:
        # best effort: a broker outage leaves messages in the outbox for the worker to relay
        relay.pump_safely()

    background = BackgroundRelay(relay) if relay_in_background else None
    wake: Callable[[], None] = (background.wake if background is not None
                                else after_commit if relay_after_commit else (lambda: None))
    bus = MessageBus(uow_factory=uow_factory, clock=clock, after_commit=wake)
    return Services(settings=settings, clock=clock, bus=bus, uow_factory=uow_factory, relay=relay,
                    publisher=publisher, broker=broker, engine=engine, search=search,
                    background_relay=background)
