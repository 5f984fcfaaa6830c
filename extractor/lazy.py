"""Public names that load their module on first use (PEP 562).

In: the package's name, its namespace and a map of public name -> module. Out: the package's
`__getattr__`. Importing a package then costs nothing beyond the package file; the first read of
a name imports its module once and keeps the value in the package, so later reads are plain
attributes. A module itself can be listed under its own name (`"sql": "extractor.sinks.sql"`).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from importlib import import_module
from typing import Any


def lazy_attributes(
    package: str, namespace: MutableMapping[str, Any], names: dict[str, str]
) -> Callable[[str], Any]:
    """The `__getattr__` of `package` that imports `names[name]` when `name` is first read."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded = import_module(module)
        value = loaded if module.rsplit(".", 1)[-1] == name else getattr(loaded, name)
        namespace[name] = value  # looked up once: later reads are plain module attributes
        return value

    return __getattr__
