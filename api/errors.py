"""One place that turns domain and validation errors into messages (and, later, HTTP responses)."""

from __future__ import annotations

from pydantic import ValidationError

from api.schemas.common import FieldError
from allocation.exceptions import InvalidAllocation
from routing.exceptions import InvalidProblem


def describe_validation_error(error: ValidationError) -> list[dict[str, str]]:
    """Each problem of a request as ``{"field": "customers[3].time_windows[0]", "reason": ...}``."""
    out = []
    for item in error.errors(include_url=False):
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            out.append({"field": cause.field, "reason": cause.reason})
            continue
        reason = item["msg"].removeprefix("Value error, ")
        out.append({"field": _path(item["loc"]) or "(request)", "reason": reason})
    return out


def describe_invalid_problem(error: InvalidProblem | InvalidAllocation) -> list[dict[str, str]]:
    """An engine invariant broken by the request (either engine), in the same shape."""
    return [{"field": error.field, "reason": error.reason}]


def _path(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
