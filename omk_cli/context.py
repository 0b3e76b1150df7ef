"""How a command gets its Services: through ONE overridable factory kept in the Click context.

`create_app(services_factory=...)` binds the factory; tests pass one that builds the services
with a ManualClock. Nothing is built until a command asks, and what was built is closed when the
command ends.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import typer

from omk_cli.errors import ServiceUnavailable
from omk_domain.identity.model import Actor, Role
from omk_domain.shared.clock import Clock
from omk_domain.shared.messages import Command

if TYPE_CHECKING:
    from omk_adapters.bootstrap import Services

#: The CLI acts as OMK staff: an organiser, placing bids on behalf of organisations when told to.
STAFF = Actor(user_id="cli", role=Role.ORGANISER)
#: where audited commands say they came from (the web app gives the client's address instead)
SOURCE = "cli"


class ServicesFactory(Protocol):
    def __call__(self, *, clock: Clock | None = None, migrate: bool = False) -> Services: ...


def default_services_factory(*, clock: Clock | None = None, migrate: bool = False) -> Services:
    """The production factory: settings from the environment, the system clock unless given."""
    from omk_adapters.bootstrap import bootstrap

    return bootstrap(clock=clock, migrate=migrate)


def check_schema(services: Services) -> None:
    """Fail with exit code 8 unless the database schema is at the head revision."""
    from omk_adapters.sql.migrate import current, head

    revision = current(services.engine)
    if revision is None:
        raise ServiceUnavailable("Схема базы данных не создана — выполните `omk db upgrade`. / "
                                 "Database schema missing — run `omk db upgrade`.", code="schema_missing")
    expected = head()
    if revision != expected:
        raise ServiceUnavailable(f"Схема базы данных в версии {revision}, нужна {expected} — выполните "
                                 f"`omk db upgrade`. / Schema at {revision}, expected {expected} — run "
                                 "`omk db upgrade`.", code="schema_outdated")


@attrs.define
class CliState:
    factory: ServicesFactory = default_services_factory
    _built: list[Services] = attrs.field(factory=list)
    _services: Services | None = None
    _restore_logging: list[Any] = attrs.field(factory=list)

    def services(self, *, schema: bool = True) -> Services:
        """The services of this invocation, built on first use (schema checked unless told not to)."""
        if self._services is None:
            services = self.build()
            if schema:
                check_schema(services)
            self._services = services
        return self._services

    def build(self, *, clock: Clock | None = None, migrate: bool = False) -> Services:
        """A new set of services from the factory, closed with this invocation."""
        from omk_adapters.logs import configure_logging

        services = self.factory(clock=clock, migrate=migrate)
        self._built.append(services)
        if not self._restore_logging:
            self._restore_logging.append(configure_logging(services.settings))
        return services

    def handle(self, command: Command) -> Any:
        """Run a use case as OMK staff."""
        return self.services().bus.handle(command, STAFF)

    def close(self) -> None:
        while self._built:
            services = self._built.pop()
            with contextlib.suppress(Exception):  # closing must never hide the command's own outcome
                services.close()
        self._services = None
        while self._restore_logging:
            self._restore_logging.pop()()


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("omk: the CLI state is missing")
    return obj
