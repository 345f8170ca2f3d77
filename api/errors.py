"""The one place that turns domain and validation errors into messages and HTTP responses.

Every error body is ``{"detail": "...", "errors": [{"field": ..., "reason": ...}]}``."""

from __future__ import annotations

import logging
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
    out = []
    for item in items:
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            out.append({"field": cause.field, "reason": cause.reason})
            continue
        reason = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        out.append({"field": _path(tuple(item.get("loc", ()))[skip:]) or "(request)",
                    "reason": reason})
    return out


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
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:12]
        log.error("error %s on %s %s: %s", error_id, request.method, request.url.path,
                  type(exc).__name__, exc_info=exc)
        return JSONResponse(error_body(f"internal error {error_id}; it has been logged"),
                            status_code=500)
