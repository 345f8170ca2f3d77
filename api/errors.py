"""The one place that turns domain and validation errors into messages and HTTP responses.

Every error body is ``{"detail": "...", "errors": [{"field": ..., "reason": ...}]}``."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from api.schemas.common import FieldError
from common.errors import InvalidInput

if TYPE_CHECKING:
    from fastapi import FastAPI

    from api.jobs.kinds import TooLarge

log = logging.getLogger("fieldplan.api")


def describe_validation_error(error: ValidationError) -> list[dict[str, str]]:
    """Each problem of a request as ``{"field": "customers[3].time_windows[0]", "reason": ...}``."""
    return _describe(error.errors(include_url=False))


def _describe(items: Iterable[dict], skip: int = 0) -> list[dict[str, str]]:
    out, seen = [], set()
    items = list(items)
    for item in _one_per_union(items):
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):  # its field is relative to the model that raised it
            where = _path(_fields(item.get("loc", ()))[skip:])
            described = {"field": f"{where}.{cause.field}" if where else cause.field,
                         "reason": cause.reason}
        else:
            described = {"field": _path(_fields(item.get("loc", ()))[skip:]) or "(request)",
                         "reason": _reason(item)}
        key = (described["field"], described["reason"])
        if key not in seen:
            seen.add(key)
            out.append(described)
    return out


# Where a value may take one of several shapes (a union), the validator reports each shape it
# tried under a tag in the location (``literal['china','us_fdcpa']``, ``function-after[...]``,
# a class name). People see the field only, and only the shape they meant.
_SHAPE_ERRORS = {"model_type", "dict_type", "model_attributes_type", "list_type"}
_SCALAR_ERRORS = {"literal_error", "enum", "string_type", "int_type", "float_type", "int_parsing",
                  "float_parsing", "bool_type", "bool_parsing"}


def _is_tag(part) -> bool:
    return isinstance(part, str) and ("[" in part or "(" in part
                                      or re.fullmatch(r"[A-Z][a-z]+[A-Za-z]*", part) is not None)


def _fields(loc) -> tuple:
    return tuple(p for p in loc if not _is_tag(p))


def _one_per_union(items: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for item in items:
        groups.setdefault(_fields(item.get("loc", ())), []).append(item)
    out = []
    for item in items:
        group = groups[_fields(item.get("loc", ()))]
        if len(group) > 1 and any(_is_tag(p) for p in item.get("loc", ())):
            given = item.get("input")
            wrong_shape = (item.get("type") in _SCALAR_ERRORS and isinstance(given, dict | list)
                           or item.get("type") in _SHAPE_ERRORS
                           and not isinstance(given, dict | list))
            if wrong_shape and any(other is not item for other in group):
                continue
        out.append(item)
    return out or items


def _reason(item: dict) -> str:
    reason = str(item.get("msg", "invalid")).removeprefix("Value error, ")
    if item.get("type") in ("model_type", "dict_type", "model_attributes_type"):
        return "must be an object ({...})"
    return reason


def describe_invalid_problem(error: InvalidInput | TooLarge) -> list[dict[str, str]]:
    """A domain invariant (an engine's, a visit history's) or a size cap broken by the
    request, in the same shape."""
    return [{"field": error.field, "reason": error.reason}]


def _path(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _allowed(request) -> list[str]:
    """The methods the service answers on the request's path (from its OpenAPI document, which
    the web framework builds once)."""
    found = set()
    for template, item in request.app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), request.url.path):
            found |= {method.upper() for method in item}
    return sorted(found)


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict:
    """The body of every error response."""
    return {"detail": detail, "errors": errors or []}


def install(app: FastAPI) -> None:
    """Register the handlers that map errors to responses. (The web framework and the job
    store load here, not with the module, which the command line uses too.)"""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    from api.db.case_file import CaseFileError
    from api.jobs.kinds import TooLarge
    from api.jobs.store import IdempotencyConflict

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for item in exc.errors():
            loc = tuple(item.get("loc", ()))
            where = loc[0] if loc else "body"
            described = _describe([item], skip=1)[0]
            if where in ("header", "query", "path"):
                described["field"] = f"{where}: {described['field']}"
            errors.append(described)
        return JSONResponse(error_body("the request is not valid", errors), status_code=422)

    @app.exception_handler(InvalidInput)
    async def _unplannable(_request: Request, exc) -> JSONResponse:
        return JSONResponse(error_body("the request is not valid", describe_invalid_problem(exc)),
                            status_code=422)

    @app.exception_handler(CaseFileError)
    async def _case_file(_request: Request, exc: CaseFileError) -> JSONResponse:
        detail = ("nothing was recorded: a visit id is already recorded with other content"
                  if exc.status == 409 else "nothing was recorded: the outcomes are not valid")
        return JSONResponse(error_body(detail, exc.problems), status_code=exc.status)

    @app.exception_handler(TooLarge)
    async def _too_large(_request: Request, exc: TooLarge) -> JSONResponse:
        return JSONResponse(error_body("the request is larger than this service takes",
                                       describe_invalid_problem(exc)), status_code=422)

    @app.exception_handler(IdempotencyConflict)
    async def _conflict(_request: Request, exc: IdempotencyConflict) -> JSONResponse:
        return JSONResponse(error_body("the request is not valid", [{
            "field": "header: Idempotency-Key",
            "reason": "already used with a different request; use a new key for new work"}]),
            status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        errors = None
        if exc.status_code == 400:  # the web framework could not decode the body
            errors = [{"field": "(body)", "reason": "not valid JSON: not UTF-8 text, or "
                                                    "nested too deeply"}]
        elif exc.status_code == 405:  # every method of the path, not one route's
            headers["Allow"] = ", ".join(_allowed(request))
        return JSONResponse(error_body(str(exc.detail), errors), status_code=exc.status_code,
                            headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:12]
        log.error("error %s on %s %s: %s", error_id, request.method, request.url.path,
                  type(exc).__name__, exc_info=exc)
        return JSONResponse(error_body(f"internal error {error_id}; it has been logged"),
                            status_code=500)
