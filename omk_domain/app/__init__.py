"""Use cases: plain functions `handler(cmd, *, actor, uow, clock)`, dispatched by the bus."""
