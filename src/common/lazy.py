"""Names of a package that load their module on first use, so that importing the package (its
problem types, or ``fieldplan --help``) does not pay for the solver behind them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_names(namespace: dict[str, Any], names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``namespace`` (the package's ``globals()``) that loads
    each of ``names`` (name → ``"module:attribute"``) when it is first asked for and binds it,
    so later lookups are plain attribute reads."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        importlib.import_module(names[name].split(":")[0])
        # Importing a submodule binds its name in the package (``routing.solve`` is both a
        # module and a function): bind every name whose module is now loaded instead.
        for each, where in names.items():
            module, attribute = where.split(":")
            if module in sys.modules:
                namespace[each] = getattr(sys.modules[module], attribute)
        return namespace[name]

    return __getattr__
