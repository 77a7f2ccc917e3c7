"""Optional dependencies: import them on use, with one clear message when absent.

The core install stays light (numpy, numba, scipy, pydantic, HiGHS, typer, rich). Figures,
the results store and the Dask backend live in extras; a command that needs one asks for
it through :func:`require`, which raises :class:`~shieldlab.errors.InputError` (exit
status 2, one line) naming the extra to install instead of an ``ImportError`` traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from shieldlab.errors import InputError

#: Which extra of ``pyproject.toml`` provides each optional top-level module.
EXTRAS: dict[str, str] = {
    "matplotlib": "plot",
    "plotly": "plot",
    "czml3": "plot",
    "simplekml": "plot",
    "pyarrow": "store",
    "duckdb": "store",
    "pandas": "store",
    "xarray": "store",
    "dask": "dask",
    "distributed": "dask",
    "optuna": "attack",
}


def require(module: str, *, feature: str, extra: str | None = None) -> ModuleType:
    """Import ``module`` or raise an :class:`InputError` saying how to install it.

    ``feature`` names what the user asked for (``"--report"``, ``"parquet output"``);
    ``extra`` defaults to the extra listed for the module's top-level package.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".", 1)[0]
        name = extra or EXTRAS.get(top, "dev")
        raise InputError(
            f"{feature} needs the optional package '{top}', which is not installed "
            f"({exc}); install it with: pip install 'shieldlab[{name}]'"
        ) from None
