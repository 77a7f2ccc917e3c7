"""Input checks for the closed forms: each failure is an InputError naming the parameter.

The CLI maps parameter names to its option names (``pfa`` -> ``--pfa``), so the same
check gives a message naming the option on the command line and the keyword in Python.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.errors import InputError

FloatArray = NDArray[np.float64]


def _arr(name: str, value: ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"must be a number, got {value!r}", field=name) from exc
    if not np.all(np.isfinite(arr)):
        raise InputError(f"must be finite, got {_first_bad(arr, ~np.isfinite(arr))}", field=name)
    return arr


def _first_bad(arr: FloatArray, bad: NDArray[np.bool_]) -> str:
    return f"{float(arr[bad].flat[0]):g}"


def finite(name: str, value: ArrayLike) -> FloatArray:
    """Any finite number(s)."""
    return _arr(name, value)


def positive(name: str, value: ArrayLike) -> FloatArray:
    """Strictly positive number(s)."""
    arr = _arr(name, value)
    bad = ~(arr > 0.0)
    if np.any(bad):
        raise InputError(f"must be positive, got {_first_bad(arr, bad)}", field=name)
    return arr


def non_negative(name: str, value: ArrayLike) -> FloatArray:
    """Number(s) >= 0 (ranges, heights)."""
    arr = _arr(name, value)
    bad = arr < 0.0
    if np.any(bad):
        raise InputError(f"must not be negative, got {_first_bad(arr, bad)}", field=name)
    return arr


def probability(name: str, value: ArrayLike, *, open_interval: bool = False) -> FloatArray:
    """Probabilities in [0, 1], or in (0, 1) where the formula needs it (e.g. Pfa)."""
    arr = _arr(name, value)
    bad = ~((arr > 0.0) & (arr < 1.0)) if open_interval else ~((arr >= 0.0) & (arr <= 1.0))
    if np.any(bad):
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise InputError(
            f"must be a probability in {interval}, got {_first_bad(arr, bad)}", field=name
        )
    return arr


def count(name: str, value: ArrayLike, *, minimum: int = 0) -> FloatArray:
    """Whole number(s) >= minimum (pulses, shots, threats, interceptors)."""
    arr = _arr(name, value)
    bad = (arr != np.rint(arr)) | (arr < minimum)
    if np.any(bad):
        raise InputError(
            f"must be a whole number >= {minimum}, got {_first_bad(arr, bad)}", field=name
        )
    return arr


def within(name: str, value: FloatArray, lo: float, hi: float, what: str) -> None:
    """Enforce a formula's stated validity range lo <= value <= hi."""
    bad = (value < lo) | (value > hi)
    if np.any(bad):
        raise InputError(
            f"{_first_bad(value, bad)} is outside {what} (stated validity {lo:g} to {hi:g})",
            field=name,
        )


def swerling_case(name: str, value: int) -> int:
    """One of the Swerling cases 0-4."""
    if isinstance(value, bool) or value not in (0, 1, 2, 3, 4):
        raise InputError(f"must be a Swerling case 0, 1, 2, 3 or 4, got {value!r}", field=name)
    return int(value)
