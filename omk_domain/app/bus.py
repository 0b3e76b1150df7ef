"""The message bus: one registry of use cases, one way in for the web app and the CLI."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from omk_domain.identity.model import Actor
from omk_domain.ports import UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Forbidden
from omk_domain.shared.messages import Command

Handler = Callable[..., Any]
HANDLERS: dict[type[Command], Handler] = {}
#: commands a person sends before signing in (actor None): starting and completing a sign-in
PUBLIC: set[type[Command]] = set()
#: per handler, the extra dependencies (beyond command, actor, uow, clock) it declares
_WANTS: dict[Handler, tuple[tuple[str, bool], ...]] = {}
_BASE = frozenset({"actor", "uow", "clock"})


def handles(command_type: type[Command], *, public: bool = False) -> Callable[[Handler], Handler]:
    """Register a use case as the handler of one command type; `public` ones run without an actor."""

    def register(fn: Handler) -> Handler:
        if command_type in HANDLERS:
            raise RuntimeError(f"{command_type.__name__} already has a handler")
        HANDLERS[command_type] = fn
        if public:
            PUBLIC.add(command_type)
        params = list(inspect.signature(fn).parameters.values())[1:]
        _WANTS[fn] = tuple((p.name, p.default is p.empty) for p in params
                           if p.kind is p.KEYWORD_ONLY and p.name not in _BASE)
        return fn

    return register


@attrs.define
class MessageBus:
    """Runs a command's use case with its dependencies, then lets the outbox relay run."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    after_commit: Callable[[], None] = lambda: None
    #: ports some use cases need (password_hasher, codes, mailer, sms, …), passed by keyword to those declaring them
    deps: Mapping[str, Any] = attrs.field(factory=dict)

    def handle(self, command: Command, actor: Actor | None) -> Any:
        try:
            handler = HANDLERS[type(command)]
        except KeyError:
            raise LookupError(f"no handler for {type(command).__name__}") from None
        if actor is None and type(command) not in PUBLIC:
            raise Forbidden("Требуется вход.")
        wanted = _WANTS.get(handler, ())
        missing = [name for name, required in wanted if required and name not in self.deps]
        if missing:
            raise LookupError(f"{type(command).__name__} needs {', '.join(missing)}: give them to the bus as deps")
        extra = {name: self.deps[name] for name, _ in wanted if name in self.deps}
        uow = self.uow_factory()
        result = handler(command, actor=actor, uow=uow, clock=self.clock, **extra)
        if uow.messages_committed:  # a query or a refusal has nothing to relay
            self.after_commit()
        return result
