"""The Litestar app factory: `create_app()` builds the portal on the services of `bootstrap()`."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import structlog
import swagger_ui_bundle
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from omk_adapters.bootstrap import Services, bootstrap
from omk_adapters.settings import Settings
from omk_domain.app.scheduler import Housekeeping, run_due_transitions
from omk_web import api, live, pages
from omk_web.api.problem_docs import document_problems
from omk_web.auth import SignInRequired, provide_actor, provide_optional_actor
from omk_web.middleware import FrameMiddleware, csrf_middleware_factory
from omk_web.problems import problem_for, problem_response, wants_html
from omk_web.templating import register_filters

log = structlog.get_logger("omk.web")
HERE = Path(__file__).parent
API_VERSION = "1.0.0"
SWAGGER_ASSETS = "/schema-assets"


def create_app(services: Services | None = None, *, scheduler: bool | None = None,
               services_factory: Callable[[], Services] | None = None) -> Litestar:
    """The portal. Given `services`, the app uses them and leaves closing them to the caller;
    otherwise it builds them from the environment on start-up and closes them on shutdown.

    `scheduler`: run the auction scheduler in this process (default: the setting
    OMK_WEB_SCHEDULER, on by default with the embedded database so the demo lives by itself).
    """
    owned = services is None
    holder: dict[str, Services] = {}
    if services is not None:
        holder["services"] = services

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if "services" not in holder:
            holder["services"] = (services_factory or _default_services)()
        app.state.services = holder["services"]
        run = holder["services"].settings.web_scheduler if scheduler is None else scheduler
        stop = threading.Event()
        thread = _start_scheduler(holder["services"], stop) if run else None
        hub = app.state.live_hub = live.make_hub(holder["services"])
        live.attach(hub, holder["services"])
        hub.start()
        try:
            yield
        finally:
            hub.stop()
            stop.set()
            if thread is not None:
                thread.join(timeout=10)
            if owned:
                holder.pop("services").close()

    settings = services.settings if services is not None else Settings.load()
    csrf = CSRFConfig(secret=_csrf_secret(settings), cookie_name="omk_csrf", header_name="x-csrf-token",
                      cookie_samesite="lax", cookie_httponly=False, cookie_path="/",
                      exclude=["/api/v1/session", "/health", "/ready"])
    app = Litestar(
        route_handlers=[*api.ROUTERS, *pages.CONTROLLERS,
                        create_static_files_router(path="/static", directories=[HERE / "static"],
                                                   include_in_schema=False, name="static"),
                        create_static_files_router(path=SWAGGER_ASSETS, directories=[swagger_ui_bundle.swagger_ui_path],
                                                   include_in_schema=False, name="swagger-assets")],
        dependencies={"actor": Provide(provide_actor, sync_to_thread=True),
                      "maybe_actor": Provide(provide_optional_actor, sync_to_thread=True)},
        exception_handlers={Exception: handle_exception},
        middleware=[DefineMiddleware(FrameMiddleware), csrf_middleware_factory(csrf)],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine,
                                       engine_callback=register_filters),
        openapi_config=OpenAPIConfig(
            title="ОМК Цифровые сервисы — API", version=API_VERSION, path="/schema",
            description=("JSON API для систем клиентов: аукционы, лоты, ставки и ценовые предложения. "
                         "Ошибки — RFC 9457 (application/problem+json) с постоянным полем `code`."),
            render_plugins=[SwaggerRenderPlugin(
                js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js", css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js", path="/",
                favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>")],
            components=Components(security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", description="API-токен «omk_…»"),
                "session": SecurityScheme(type="apiKey", name="omk_session", security_scheme_in="cookie",
                                          description="Сеанс браузера")}),
            security=[{"bearer": []}, {"session": []}],
            tags=[Tag(name="Аукционы"), Tag(name="Лоты и торги"), Tag(name="Учётная запись"),
                  Tag(name="Служебное"), Tag(name="Кабинет организатора")],
        ),
        lifespan=[lifespan],
        before_request=document_problems,  # failures in the OpenAPI document as problem+json
        debug=False,
        request_max_body_size=20 * 1024 * 1024,
    )
    if services is not None:
        app.state.services = services
    return app


def _default_services() -> Services:
    from omk_adapters.logs import configure_logging

    services = bootstrap(relay_in_background=True)
    configure_logging(services.settings)
    return services


def _csrf_secret(settings: Settings) -> str:
    """The secret that signs CSRF tokens: OMK_WEB_SECRET, else one made once and kept in the data
    folder, so every worker process of this machine accepts the others' forms."""
    if settings.web_secret:
        return settings.web_secret
    path = settings.data_dir / "web-secret"
    with contextlib.suppress(FileNotFoundError):
        kept = path.read_text("ascii").strip()
        if kept:
            return kept
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_urlsafe(32)
    try:  # exclusive create: of two workers starting at once, one writes and both read its secret
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(fresh)
    except FileExistsError:
        time.sleep(0.05)
        return path.read_text("ascii").strip() or fresh
    return fresh


def _start_scheduler(services: Services, stop: threading.Event) -> threading.Thread:
    """Start auctions and close lots on time inside the web process (embedded set-ups)."""
    pause = services.settings.scheduler_interval

    housekeeping = Housekeeping(services.uow_factory, services.clock)

    def loop() -> None:
        while not stop.is_set():
            try:
                run_due_transitions(services.uow_factory, services.clock)
                housekeeping.tick()
                services.relay.pump_safely()
            except Exception as exc:  # a database blip must not kill the loop
                log.error("scheduler tick failed", error=f"{type(exc).__name__}: {exc}")
            stop.wait(pause)

    thread = threading.Thread(target=loop, name="omk-scheduler", daemon=True)
    thread.start()
    return thread


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Every failure goes through here once: problem details for the API, a page for people."""
    if isinstance(exc, SignInRequired) and wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return Redirect(path=f"/signin?next={quote(target, safe='')}", status_code=303)
    problem = problem_for(exc)
    if problem.status >= 500:
        log.error("unhandled error", route=request.scope.get("path_template"), error=type(exc).__name__,
                  exc_info=exc)
    if wants_html(request):
        return Template(template_name="error.html", context={"problem": problem, "me": None, "flash": None,
                                                             "path": request.url.path},
                        status_code=problem.status,
                        headers=problem.headers)
    return problem_response(request, problem)
