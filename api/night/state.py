"""The night's record of what is done (``state.json``) and how its files are written.

Each finished step is recorded, written atomically, with a fingerprint of every input: a rerun
with the same inputs skips what is done, however the first run ran (in this process or on a
cluster). A rerun of an unfinished night on other inputs is refused, naming what changed, unless
asked to start over: results of two different nights never mix in one folder. A finished
night's folder takes the next night (its files are replaced)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path


class InputsChanged(Exception):
    """The folder holds a night run on other inputs."""

    def __init__(self, out: Path, changed: list[str]) -> None:
        super().__init__(f"{out} holds a night run on other inputs ({', '.join(changed)} "
                         "changed since): rerun with the same inputs to resume it, or start "
                         "over with --fresh (its results are replaced)")
        self.changed = changed


class State:
    """What is done in one output folder."""

    def __init__(self, out: Path, inputs: dict[str, str], *, fresh: bool = False) -> None:
        """Open the record in ``out`` for ``inputs`` (a name and digest per input). Raises
        ``InputsChanged`` if it records other inputs, unless ``fresh``."""
        self.path = out / "state.json"
        recorded = _read(self.path)
        before = (recorded or {}).get("inputs")
        changed = (["every input (the record is from an earlier version)"] if before is None
                   else [name for name in inputs if before.get(name) != inputs[name]])
        if recorded is not None and not changed and not fresh:
            self._data = recorded
        elif recorded is not None and changed and not fresh and not _complete(recorded):
            raise InputsChanged(out, changed)
        else:
            self._data = {"inputs": inputs, "done": [], "regions": {}}
        self.resumed = bool(self._data["done"])
        # A finished night on other inputs (last night's, say) or --fresh: a new night.
        self.started_over = recorded is not None and not self.resumed

    def complete(self) -> None:
        """Record that the night is finished: a rerun on other inputs starts a new one."""
        self._data["complete"] = True
        atomic(self.path, json.dumps(self._data, indent=1))

    def done(self, step: str) -> bool:
        return step in self._data["done"]

    def region(self, name: str) -> dict | None:
        """What was recorded of a region's plan."""
        return self._data["regions"].get(name)

    def finish(self, step: str, region: dict | None = None) -> None:
        """Record a step as done (with a region's figures), on disk at once."""
        if region is not None:
            self._data["regions"][step.removeprefix("region:")] = region
        if step not in self._data["done"]:
            self._data["done"].append(step)
        atomic(self.path, json.dumps(self._data, indent=1))


def _complete(recorded: dict) -> bool:
    """Whether a record is of a finished night (an earlier version's: its allocation written
    last)."""
    return bool(recorded.get("complete")) or ("inputs" not in recorded
                                              and "allocation" in recorded["done"])


def digests(paths: dict[str, Path | None], options: dict) -> dict[str, str]:
    """A digest of each input file given, and of the options that shape the results."""
    found = {name: hashlib.sha256(path.read_bytes()).hexdigest()
             for name, path in paths.items() if path is not None}
    found["options"] = hashlib.sha256(json.dumps(options, sort_keys=True, default=str)
                                      .encode()).hexdigest()
    return found


def _read(path: Path) -> dict | None:
    """The record, or None if there is none (or only a torn one from before atomic writes)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and "done" in data else None


def atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` make the file beside ``path``, then move it in place: the file is either
    whole or absent, even if the process dies."""
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)


def atomic(path: Path, content: str | bytes) -> None:
    """Write a file atomically."""
    if isinstance(content, str):
        content = content.encode()
    atomically(path, lambda p: p.write_bytes(content))
