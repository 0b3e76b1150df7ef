"""`omk serve`: the web portal under uvicorn (migrating the database first, seeding the demo if asked)."""

from __future__ import annotations

from typing import Annotated

import typer

from omk_cli.context import state

#: the portal's factory, imported by uvicorn in each worker process (the CLI never imports the web app)
APP = "omk_web.app:create_app"


def serve(ctx: typer.Context, *,
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
          workers: Annotated[int, typer.Option("--workers", min=1, max=64,
                                               help="Worker processes (live updates cross processes "
                                                    "through RabbitMQ when OMK_AMQP_URL is set).")] = 1,
          demo: Annotated[bool, typer.Option("--demo", help="Seed the demo data first (once).")] = False,
          migrate: Annotated[bool, typer.Option("--migrate/--no-migrate",
                                                help="Bring the database schema up to date first.")] = True,
          ) -> None:
    """Serve the portal at http://HOST:PORT (pages, /api/v1, /schema, /health, /ready)."""
    import uvicorn

    st = state(ctx)
    if demo:
        from omk_adapters.demo import seed_demo

        summary = seed_demo(lambda clock: st.build(clock=clock, migrate=True))
        typer.echo(f"Демо-данные {'созданы' if summary.created else 'уже есть'}; пароль демо-пользователей: "
                   f"{summary.demo_password}", err=True)
    elif migrate:
        st.build(migrate=True)
    st.close()
    typer.echo(f"Портал: http://{host}:{port}/  (API: /api/v1, документация API: /schema; остановить: Ctrl+C)",
               err=True)
    uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                forwarded_allow_ips="127.0.0.1", access_log=False, log_level="warning")
