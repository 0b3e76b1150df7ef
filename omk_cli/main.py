"""The `omk` command: one Typer app, one sub-app per context, one error → exit-code table.

Every command follows the same path: parse → command → bus.handle (as OMK staff) → render.
`create_app(services_factory)` is the seam tests use to inject services (e.g. a ManualClock).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from omk_cli.commands import (
    admissions,
    auctions,
    audit,
    bids,
    db,
    demo,
    journal,
    lots,
    orgs,
    requests,
    roles,
    runners,
    serve,
    tokens,
    users,
)
from omk_cli.context import CliState, ServicesFactory, default_services_factory
from omk_cli.errors import EXIT_CODES_HELP, ExitCode, classify
from omk_cli.output import report_failure


def _is_cli_control(exc: BaseException) -> bool:
    """Exit, Abort and usage errors belong to Typer (exit codes 0–2), whichever Click it bundles."""
    return isinstance(exc, typer.Exit | typer.Abort) or any(
        cls.__name__ in ("ClickException", "Exit", "Abort") for cls in type(exc).__mro__)


class OmkGroup(TyperGroup):
    """The root group: turns every error into a message and its exit code; closes the services."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo("Прервано / interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            if _is_cli_control(exc):
                raise
            failure = classify(exc)
            report_failure(ctx, failure, exc)
            if failure.exit_code is ExitCode.UNEXPECTED and os.environ.get("OMK_LOG_LEVEL", "").upper() == "DEBUG":
                traceback.print_exception(exc, file=sys.stderr)
            raise typer.Exit(int(failure.exit_code)) from None
        finally:
            if isinstance(ctx.obj, CliState):
                ctx.obj.close()


HELP = """OMK Auctions from the command line: database, organisations, users, auctions, lots,
admissions, bids, results, the scheduler and the worker. Settings come from OMK_* environment
variables (OMK_DATABASE_URL, OMK_DATA_DIR, OMK_AMQP_URL, OMK_LOG_FORMAT, …). Times are ISO 8601;
a time without an offset is Moscow time. Every command takes --json."""


def create_app(services_factory: ServicesFactory | None = None) -> typer.Typer:
    """The `omk` Typer app, getting its Services from `services_factory` (bootstrap by default)."""
    factory = services_factory or default_services_factory
    app = typer.Typer(name="omk", cls=OmkGroup, help=HELP, epilog="\b\n" + EXIT_CODES_HELP,
                      no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                      context_settings={"help_option_names": ["-h", "--help"]})

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = CliState(factory=factory)

    app.add_typer(db.app, name="db")
    app.add_typer(orgs.app, name="orgs")
    app.add_typer(users.app, name="users")
    app.add_typer(roles.app, name="roles")
    app.add_typer(tokens.app, name="tokens")
    app.add_typer(requests.app, name="requests")
    app.add_typer(audit.app, name="audit")
    app.add_typer(auctions.app, name="auctions")
    app.add_typer(lots.app, name="lots")
    app.add_typer(admissions.app, name="admissions")
    app.add_typer(bids.app, name="bids")
    app.add_typer(journal.app, name="journal")
    app.command("scheduler")(runners.scheduler)
    app.command("worker")(runners.worker)
    app.command("demo")(demo.demo)
    app.command("serve")(serve.serve)
    return app


app = create_app()


def main() -> None:
    app(prog_name="omk")


if __name__ == "__main__":
    main()
