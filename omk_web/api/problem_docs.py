"""The OpenAPI document tells the truth about failures: every API operation can answer with an RFC 9457
problem document (`application/problem+json`, with the stable `code`), whatever its status.

Litestar documents a validation failure as its own `{status_code, detail, extra}` JSON, which is not
what `handle_exception` sends; and the statuses of domain refusals (404, 409, 422…) are decided by
the use case, not the handler. So each `/api/` operation gets a `default` problem response, and the
error responses Litestar generated are replaced by the problem schema, as the document is built.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.spec import Components, OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

from omk_web.problems import PROBLEM_JSON

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail", "code"],
    description="RFC 9457 problem details; `code` is the stable machine-readable name of the failure.",
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="URI explaining the problem type"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="What happened, in Russian, for a person"),
        "code": Schema(type=OpenAPIType.STRING, examples=["lot_not_found"]),
        "instance": Schema(type=OpenAPIType.STRING),
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(
            type=OpenAPIType.OBJECT, additional_properties=Schema(type=OpenAPIType.STRING))),
        "context": Schema(type=OpenAPIType.OBJECT, additional_properties=Schema(type=OpenAPIType.STRING)),
    },
)
_DONE = "omk_problems_documented"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _problem(description: str) -> OpenAPIResponse:
    schema = Reference(ref="#/components/schemas/Problem")
    return OpenAPIResponse(description=description, content={PROBLEM_JSON: OpenAPIMediaType(schema=schema)})


def document_problems(request: Request[Any, Any, Any]) -> None:
    """A `before_request` hook: before the document is first served, add the problem responses to it.
    Lazily, because building the document costs a few hundred ms and most apps (tests) never serve it."""
    state = request.app.state
    if not state.get(_DONE) and request.url.path.startswith("/schema"):
        add_problem_responses(request.app.openapi_schema)  # idempotent: a race adds nothing twice
        state[_DONE] = True


def add_problem_responses(openapi: OpenAPI) -> None:
    if openapi.components is None:
        openapi.components = Components()
    schemas = openapi.components.schemas if openapi.components.schemas is not None else {}
    schemas["Problem"] = PROBLEM
    openapi.components.schemas = schemas
    for path, item in (openapi.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = dict(operation.responses or {})
            for status, response in list(responses.items()):
                if status[:1] in {"4", "5"}:
                    described = response.description if isinstance(response, OpenAPIResponse) else ""
                    responses[status] = _problem(described or "Ошибка")
            responses.setdefault("default", _problem(
                "Отказ или ошибка (401, 403, 404, 409, 422, 429, 503…): документ RFC 9457 с полем `code`."))
            operation.responses = responses
