"""``convcalc.compare(...)`` and ``convcalc.render(...)``, though ``compare`` and ``render`` are modules too.

Python binds a package's submodule as an attribute of the package when the
submodule is first imported, over any function of that name. So the
modules ``convcalc.compare`` and ``convcalc.render`` are made callable: calling
one calls the API function of the same name in :mod:`convcalc.api`, and
``convcalc.compare`` works whichever of the two the attribute holds.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def make_callable(module: str, function: str) -> None:
    """Calling the module ``module`` calls ``convcalc.api.<function>``."""

    class CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            from . import api

            return getattr(api, function)(*args, **kwargs)

    CallableModule.__call__.__doc__ = f"convcalc.api.{function}"
    sys.modules[module].__class__ = CallableModule
