"""Colours and labels every figure uses, so Blue and Red look the same everywhere.

Below every layer (like :mod:`shieldlab.errors`): the stability figures, the theatre map
and the HTML report all import it. Colours are from the colour-blind-safe Okabe-Ito
palette (Okabe & Ito 2008, "Color Universal Design"), so the two sides stay apart for
readers with red-green colour vision deficiency.
"""

from __future__ import annotations

__all__ = ["NEUTRAL", "SIDE_COLOURS", "SIDE_LABELS", "side_colour", "side_label"]

#: Okabe-Ito blue and vermillion.
SIDE_COLOURS: dict[str, str] = {"blue": "#0072B2", "red": "#D55E00"}
SIDE_LABELS: dict[str, str] = {"blue": "Blue", "red": "Red"}
#: Reference lines (saturation, requirement K, current posture).
NEUTRAL = {"saturation": "#555555", "requirement": "#000000", "current": "#009E73"}


def side_colour(side: str) -> str:
    """The colour of ``side`` ('blue'/'red', any case); grey for any other name."""
    return SIDE_COLOURS.get(side.lower(), "#777777")


def side_label(side: str) -> str:
    """'Blue' for 'blue', 'Red' for 'red'; other names as given."""
    return SIDE_LABELS.get(side.lower(), side)
