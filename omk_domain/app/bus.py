"""The message bus: one registry of use cases, one way in for the web app and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from omk_domain.identity.model import Actor
from omk_domain.ports import UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.messages import Command

Handler = Callable[..., Any]
HANDLERS: dict[type[Command], Handler] = {}


def handles(command_type: type[Command]) -> Callable[[Handler], Handler]:
    """Register a use case as the handler of one command type."""

    def register(fn: Handler) -> Handler:
        if command_type in HANDLERS:
            raise RuntimeError(f"{command_type.__name__} already has a handler")
        HANDLERS[command_type] = fn
        return fn

    return register


@attrs.define
class MessageBus:
    """Runs a command's use case with its dependencies, then lets the outbox relay run."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    after_commit: Callable[[], None] = lambda: None

    def handle(self, command: Command, actor: Actor) -> Any:
        try:
            handler = HANDLERS[type(command)]
        except KeyError:
            raise LookupError(f"no handler for {type(command).__name__}") from None
        result = handler(command, actor=actor, uow=self.uow_factory(), clock=self.clock)
        self.after_commit()
        return result
