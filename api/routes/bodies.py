"""Request bodies read off the event loop, and refused cheaply when they are over the caps.

The web framework parses a declared body on the event loop: a 35 MB day of 200,000 customers
held every other request (health checks included) for seconds, and was built whole before the
caps refused it. Here the body is read as bytes; a first pass finds the items of each list
(``customers``, ``cases``, ...) without parsing them, so a body over a cap is refused in tens
of milliseconds; then the whole model is parsed in a worker thread.

:func:`post_off_the_loop` registers an endpoint written as usual (its body a declared
parameter, so the OpenAPI document shows it with its examples) to run that way.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.deps import SettingsDep
from api.jobs.kinds import cap

# A cap: (the list in the body, the setting that limits it, its variable).
Cap = tuple[str, str, str]
PLAN_CAPS: tuple[Cap, ...] = (
    ("customers", "max_customers", "FIELDPLAN_MAX_CUSTOMERS"),
    ("collectors", "max_plan_collectors", "FIELDPLAN_MAX_PLAN_COLLECTORS"))
ALLOCATION_CAPS: tuple[Cap, ...] = (
    ("cases", "max_cases", "FIELDPLAN_MAX_CASES"),
    ("collectors", "max_allocation_collectors", "FIELDPLAN_MAX_ALLOCATION_COLLECTORS"))
REPLAN_CAPS: tuple[Cap, ...] = (("added", "max_customers", "FIELDPLAN_MAX_CUSTOMERS"),)


class _Lists(msgspec.Struct):
    """The lists a cap counts, each item kept as raw bytes (found, not parsed)."""

    customers: list[msgspec.Raw] = []
    collectors: list[msgspec.Raw] = []
    cases: list[msgspec.Raw] = []
    added: list[msgspec.Raw] = []


_COUNTER = msgspec.json.Decoder(_Lists)


def count_items(body: bytes) -> dict[str, int] | None:
    """How many items each capped list of ``body`` holds, or ``None`` when the body is not an
    object with such lists (the full parse then says what is wrong)."""
    try:
        lists = _COUNTER.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return None
    return {name: len(getattr(lists, name)) for name in _Lists.__struct_fields__}


def parse(model: type[BaseModel], body: bytes, caps: tuple[Cap, ...], settings: Settings):
    """The model in ``body``, refused first when a list is over its cap (``TooLarge``).
    Bytes that are not UTF-8 JSON, or JSON nested too deeply, are a 400; a body that is not
    valid as the model, a 422 naming each field."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "the body is not valid JSON") from None
    counts = count_items(body)
    if counts is not None:
        for field, setting, variable in caps:
            cap(field, counts[field], getattr(settings, setting), variable)
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" and "recursion limit" in e["msg"] for e in errors):
            raise HTTPException(400, "the body is not valid JSON") from None
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]
                                     ) from None


def _reader(model: type[BaseModel], caps: tuple[Cap, ...]) -> Callable:
    async def read(request: Request, settings: SettingsDep):
        return await run_in_threadpool(parse, model, await request.body(), caps, settings)
    return read


def post_off_the_loop(router: APIRouter, path: str, *, body: str, caps: tuple[Cap, ...],
                      **route) -> Callable:
    """Register the decorated endpoint for ``POST path`` so that its ``body`` parameter is
    read by :func:`parse` in a worker thread. The endpoint as written is registered too,
    after it: the OpenAPI document is made from that one, which requests never reach (the
    first route that matches takes them)."""
    def decorate(endpoint: Callable) -> Callable:
        hints = typing.get_type_hints(endpoint, include_extras=True)
        model = typing.get_args(hints[body])[0] if hasattr(hints[body], "__metadata__") \
            else hints[body]
        signature = inspect.signature(endpoint)
        parameters = [p.replace(annotation=Annotated[model, Depends(_reader(model, caps))]
                                if p.name == body else hints.get(p.name, p.annotation))
                      for p in signature.parameters.values()]

        async def run(**values):
            return await endpoint(**values)

        run.__signature__ = signature.replace(parameters=parameters,
                                              return_annotation=hints.get("return"))
        run.__name__ = run.__qualname__ = f"{endpoint.__name__}_off_the_loop"
        router.add_api_route(path, run, methods=["POST"], include_in_schema=False, **route)
        router.add_api_route(path, endpoint, methods=["POST"], **route)
        return endpoint
    return decorate
