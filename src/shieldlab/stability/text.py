"""Words for stability results: money with its unit, yes/no, who deters whom.

The library's result objects build their own table rows and notes with these, so the
command line and any other front end print the same sentences (the CLI only prints).
"""

from __future__ import annotations

import math

__all__ = ["deterred_line", "money", "yes"]


def money(usd: float) -> str:
    """A cost with its unit: '12.3 million USD', '450 thousand USD', 'n/a', 'unbounded'.

    Posture costs are in USD (the catalog cards' ``unit_cost_usd``; numbers given in a
    posture are read in the same unit).
    """
    if math.isnan(usd):
        return "n/a"
    if math.isinf(usd):
        return "unbounded"
    a = abs(usd)
    for scale, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if a >= scale:
            return f"{usd / scale:,.4g} {word} USD"
    return f"{usd:,.4g} USD"


def yes(flag: bool) -> str:
    """'yes' / 'no' (never True / False)."""
    return "yes" if flag else "no"


def deterred_line(
    deterred: str, deterrer: str, missiles: int, needed: int, defender_interceptors: int
) -> str:
    """'red is deterred by blue's 200 missiles (171 needed against red's 256 interceptors): yes'.

    ``deterred`` is the side whose attack the other's retaliation deters; ``deterrer`` the
    side whose missiles must meet its requirement against ``deterred``'s interceptors.
    """
    return (
        f"{deterred} is deterred by {deterrer}'s {missiles} missiles ({needed} needed against "
        f"{deterred}'s {defender_interceptors} interceptors): {yes(missiles >= needed)}"
    )
