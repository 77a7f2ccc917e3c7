"""Figures of a Monte Carlo run: bars with 95 % interval whiskers, plotly and matplotlib twins.

Each function returns ``(plotly_figure, matplotlib_figure)`` built from a
:class:`~shieldlab.montecarlo.Results`; the report shows the first and writes the second
as PNG. The defence is drawn in Blue and what gets through in Red
(:mod:`shieldlab._palette`). Whiskers are the metrics' own intervals (Student t on the
logit or log scale for means, Wilson for proportions; :mod:`shieldlab.montecarlo.results`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from shieldlab._optional import require
from shieldlab._palette import SIDE_COLOURS

if TYPE_CHECKING:
    from shieldlab.montecarlo import Metric, Results

__all__ = ["asset_figure", "interceptor_figure", "new_mpl_figure", "outcome_figure"]

_FEATURE = "an HTML report (--report)"


def new_mpl_figure(width_in: float = 8.5, height_in: float = 4.2) -> tuple[Any, Any]:
    """A matplotlib Figure on the Agg canvas (no pyplot, no global state) and its axes."""
    require("matplotlib", feature=_FEATURE)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _err(ms: list[Metric]) -> tuple[list[float], list[float], list[float]]:
    """Means and the distances to the interval ends (0 where there is no interval)."""
    mean = [m.mean for m in ms]
    up = [0.0 if math.isnan(m.ci95[1]) else m.ci95[1] - m.mean for m in ms]
    down = [0.0 if math.isnan(m.ci95[0]) else m.mean - m.ci95[0] for m in ms]
    return mean, up, down


def _bars(
    title: str,
    categories: list[str],
    series: list[tuple[str, list[Metric], str]],
    *,
    x_title: str,
    y_title: str,
    horizontal: bool = False,
) -> tuple[Any, Any]:
    go = require("plotly.graph_objects", feature=_FEATURE)
    np = require("numpy", feature=_FEATURE)
    pfig = go.Figure()
    mfig, ax = new_mpl_figure()
    n = len(series)
    width = 0.8 / max(n, 1)
    pos = np.arange(len(categories))
    for i, (name, ms, colour) in enumerate(series):
        mean, up, down = _err(ms)
        err = {"type": "data", "array": up, "arrayminus": down, "visible": True}
        if horizontal:
            pfig.add_trace(
                go.Bar(
                    y=categories,
                    x=mean,
                    name=name,
                    orientation="h",
                    marker_color=colour,
                    error_x=err,
                )
            )
            ax.barh(
                pos + (i - (n - 1) / 2) * width,
                mean,
                height=width,
                xerr=[down, up],
                color=colour,
                label=name,
                capsize=3,
            )
        else:
            pfig.add_trace(
                go.Bar(x=categories, y=mean, name=name, marker_color=colour, error_y=err)
            )
            ax.bar(
                pos + (i - (n - 1) / 2) * width,
                mean,
                width=width,
                yerr=[down, up],
                color=colour,
                label=name,
                capsize=3,
            )
    pfig.update_layout(
        title=title,
        barmode="group",
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend_title_text="",
        template="plotly_white",
    )
    if horizontal:
        ax.set_yticks(pos, categories)
        pfig.update_yaxes(autorange="reversed")  # first category on top, as in the table
        ax.invert_yaxis()
    else:
        ax.set_xticks(
            pos,
            categories,
            rotation=20 if len(categories) > 4 else 0,
            ha="right" if len(categories) > 4 else "center",
        )
    ax.set(xlabel=x_title, ylabel=y_title)
    mfig.suptitle(title, fontsize=10)
    ax.legend()
    return pfig, mfig


def outcome_figure(res: Results) -> tuple[Any, Any]:
    """Per raid: lethal threats shot down vs leakers (and decoys shot down), with intervals."""
    m = res.metrics
    cats = ["lethal threats shot down", "leakers"]
    ms = [m["lethal_threats_killed"], m["leakers"]]
    colours = [SIDE_COLOURS["blue"], SIDE_COLOURS["red"]]
    if res.n_threats > res.n_lethal:
        cats.append("decoys shot down")
        ms.append(m["decoys_killed"])
        colours.append("#56B4E9")
    go = require("plotly.graph_objects", feature=_FEATURE)
    mean, up, down = _err(ms)
    n_dec = res.n_threats - res.n_lethal
    title = (
        f"What happens to a raid of {res.n_lethal} lethal threats and {n_dec} decoys "
        "(mean, 95 % interval)"
    )
    pfig = go.Figure(
        go.Bar(
            x=cats,
            y=mean,
            marker_color=colours,
            error_y={"type": "data", "array": up, "arrayminus": down, "visible": True},
            name="mean per raid",
        )
    )
    pfig.update_layout(
        title=title, xaxis_title="outcome", yaxis_title="threats per raid", template="plotly_white"
    )
    mfig, ax = new_mpl_figure()
    ax.bar(cats, mean, yerr=[down, up], color=colours, capsize=4)
    ax.set(xlabel="outcome", ylabel="threats per raid")
    mfig.suptitle(title, fontsize=10)
    return pfig, mfig


def interceptor_figure(res: Results) -> tuple[Any, Any]:
    """Interceptors fired and kills per interceptor type, with intervals."""
    fired = res.by_type["interceptors_fired_by_type"]
    kills = res.by_type["kills_by_type"]
    names = list(fired)
    layer = dict(zip(names, res.layers, strict=False)) if res.layers else {}
    cats = [f"{n} ({layer[n]})" if n in layer else n for n in names]
    return _bars(
        "Interceptors fired and kills by interceptor type (mean per raid, 95 % interval)",
        cats,
        [
            ("fired", [fired[n] for n in names], "#56B4E9"),
            ("kills", [kills[n] for n in names], SIDE_COLOURS["blue"]),
        ],
        x_title="per raid",
        y_title="interceptor type (layer)",
        horizontal=True,
    )


def asset_figure(res: Results) -> tuple[Any, Any]:
    """Leakers per defended asset, with intervals."""
    hits = res.by_type["hits_by_asset"]
    names = list(hits)
    return _bars(
        "Leakers per defended asset (mean per raid, 95 % interval)",
        names,
        [("leakers", [hits[n] for n in names], SIDE_COLOURS["red"])],
        x_title="leakers per raid",
        y_title="defended asset",
        horizontal=True,
    )
