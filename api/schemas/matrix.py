"""Travel matrices in requests, held as one integer array (seconds or metres, rounded).

In JSON a matrix is rows of numbers. On the command line it may also be the name of a ``.npy``
file beside the JSON file (``"durations": "day.durations.npy"``): a large matrix then costs
neither parsing nor a second copy, and a plan written with ``-o plan.json`` keeps its matrices
that way (:func:`save_beside`). The service takes matrices inline only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
import numpy as np
from pydantic import PlainSerializer, PlainValidator, ValidationInfo, WithJsonSchema

from routing import InvalidProblem
from routing.travel import int_matrix

# Validation context key: the folder that file names in a request are relative to.
FILES = "files"


def as_matrix(value: Any, folder: Path | str | None = None) -> np.ndarray:
    """A square matrix of non-negative finite numbers, as int32 (rounded; the engine's own
    check, :func:`routing.travel.int_matrix`); a string names a ``.npy`` file in ``folder``."""
    if isinstance(value, str):
        if folder is None:
            raise ValueError("give the matrix as rows of numbers (a file name is read only "
                             "by the command line)")
        value = _load(Path(folder) / value, value)
    try:
        return int_matrix("", value)
    except InvalidProblem as exc:
        raise ValueError(exc.reason) from None


def _load(path: Path, name: str) -> np.ndarray:
    if path.suffix != ".npy":
        raise ValueError(f"{name}: give a .npy file")
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"{name}: no such file beside the request") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{name}: not a NumPy .npy file ({exc})") from None


def _as_json(value: np.ndarray | str | None) -> list | str | None:
    return value.tolist() if isinstance(value, np.ndarray) else value


def _validated(value: Any, info: ValidationInfo) -> np.ndarray:
    return as_matrix(value, (info.context or {}).get(FILES))


def _or_none(value: Any, info: ValidationInfo) -> np.ndarray | None:
    return None if value is None else _validated(value, info)


_SCHEMA = {"anyOf": [
    {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
    {"type": "string", "description": "command line only: a .npy file beside the JSON"}]}
Matrix = Annotated[Any, PlainValidator(_validated), PlainSerializer(_as_json),
                   WithJsonSchema(_SCHEMA)]
OptionalMatrix = Annotated[Any, PlainValidator(_or_none), PlainSerializer(_as_json),
                           WithJsonSchema({"anyOf": [*_SCHEMA["anyOf"], {"type": "null"}]})]


def save_beside(json_path: Path, part: Path, name: str, matrix: np.ndarray) -> str:
    """Save ``matrix`` as ``<json stem>.<name>.npy`` beside ``json_path`` (written under a
    temporary name beside ``part``, then moved into place); return the file name to put in
    the JSON."""
    final = json_path.with_name(f"{json_path.stem}.{name}.npy")
    temporary = part.with_name(f"{part.stem}.{name}.npy")
    with temporary.open("wb") as f:
        np.save(f, matrix, allow_pickle=False)
    temporary.replace(final)
    return final.name


class _Matrices(msgspec.Struct):
    durations: msgspec.Raw = msgspec.Raw(b"null")
    distances: msgspec.Raw = msgspec.Raw(b"null")


class _Travel(msgspec.Struct):
    matrix: _Matrices | None = None


class _Request(msgspec.Struct):
    travel: _Travel | None = None


class _Plan(msgspec.Struct):
    request: _Request | None = None


def parse_with_matrices(raw: bytes, *, in_request: bool = False) -> Any:
    """The JSON document in ``raw``, with an inline travel matrix (``travel.matrix``, or
    ``request.travel.matrix`` of a plan with ``in_request``) read straight into an int32 array:
    no Python list per number, so a 5,000-location day costs hundreds of megabytes, not
    gigabytes. Raises ``ValueError`` for JSON that is not valid and for a malformed matrix."""
    import json

    try:
        found = msgspec.json.decode(raw, type=_Plan if in_request else _Request)
        request = found.request if in_request else found
        travel = None if request is None else request.travel
    except (msgspec.DecodeError, RecursionError):
        travel = None  # not this shape: the plain parse below says what is wrong
    spans = []
    if travel is not None and travel.matrix is not None:
        base = np.frombuffer(raw, np.uint8).__array_interface__["data"][0]
        for name in ("durations", "distances"):
            value = getattr(travel.matrix, name)
            if bytes(memoryview(value)[:1]) == b"[":
                start = np.frombuffer(value, np.uint8).__array_interface__["data"][0] - base
                spans.append((name, start, start + len(value)))
    if not spans:
        return json.loads(raw.decode("utf-8-sig"))
    rest, matrices, last = [], {}, 0
    for name, start, end in spans:
        rest += [raw[last:start], b"[]"]
        matrices[name] = _rows(raw[start:end], name)
        last = end
    rest.append(raw[last:])
    document = json.loads(b"".join(rest).decode("utf-8-sig"))
    holder = document["request"] if in_request else document
    holder["travel"]["matrix"].update(matrices)
    return document


_ROW = msgspec.json.Decoder(list[float])


def _rows(text: bytes, name: str) -> np.ndarray:
    """A JSON matrix (``[[1, 2], [3, 4]]``) as int32, one row at a time."""
    text = text.translate(None, b" \t\r\n")
    if text == b"[]":
        return np.zeros((0, 0), np.int32)
    if not (text.startswith(b"[[") and text.endswith(b"]]")):
        raise ValueError(f"travel.matrix.{name}: must be a list of rows of numbers")
    rows = text[2:-2].split(b"],[")
    del text
    n = len(rows)
    matrix = np.empty((n, n), np.int32)
    for k, row in enumerate(rows):
        try:
            values = np.array(_ROW.decode(b"[" + row + b"]"), dtype=np.float64)
        except msgspec.DecodeError:
            raise ValueError(f"travel.matrix.{name}: row {k}: must be a list of numbers"
                             ) from None
        if values.size != n:
            raise ValueError(f"travel.matrix.{name}: must be square: row {k} holds "
                             f"{values.size} numbers, not {n}")
        if (values < 0).any() or (values >= 2**31).any():
            raise ValueError(f"travel.matrix.{name}: row {k}: must not hold negative values "
                             "or values of 2^31 or more")
        matrix[k] = np.rint(values)
    return matrix
