"""Figures of the stability study: PNG (matplotlib, Agg) and self-contained HTML (plotly).

Every figure is written twice, ``NAME.png`` and ``NAME.html``; the HTML embeds plotly.js
(``include_plotlyjs=True``) so it opens offline. Files are rendered in memory and written
atomically (:mod:`shieldlab._io`): a failure leaves no half-written figure. Matplotlib is
used through :class:`matplotlib.figure.Figure` with the Agg canvas, never ``pyplot``, so
no global figure state is touched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from shieldlab._io import atomic_write_bytes, atomic_write_text
from shieldlab.stability.penetration import PenetrationCurve
from shieldlab.stability.race import RaceResult, RichardsonResult
from shieldlab.stability.restraint import RestraintMap

__all__ = [
    "penetration_figures",
    "race_figures",
    "restraint_figures",
    "stability_figures",
    "write_figure_pair",
]

_COLOURS = {"blue": "#1f77b4", "red": "#d62728"}


def _new_mpl(nrows: int = 1, ncols: int = 1) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5 * ncols, 4.8 * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def write_figure_pair(
    directory: str | Path, name: str, mpl_fig: Any, plotly_fig: Any
) -> list[Path]:
    """Write ``name.png`` and ``name.html`` into ``directory`` atomically; return the paths."""
    d = Path(directory)
    buf = io.BytesIO()
    mpl_fig.savefig(buf, format="png", dpi=110)
    html = plotly_fig.to_html(include_plotlyjs=True, full_html=True)
    png_path, html_path = d / f"{name}.png", d / f"{name}.html"
    atomic_write_bytes(png_path, buf.getvalue())
    atomic_write_text(html_path, html)
    return [png_path, html_path]


def penetration_figures(
    directory: str | Path,
    curves: list[PenetrationCurve],
    *,
    saturation: list[int | None],
    labels: list[str],
    requirement_k: int | None = None,
    name: str = "penetration",
) -> list[Path]:
    """Expected penetrators and P(>= k) against raid size, one line per curve."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig, axes = _new_mpl(1, 2)
    ax_e, ax_p = axes[0]
    pfig = make_subplots(rows=1, cols=2, subplot_titles=("Expected penetrating", "P(>= k)"))
    for curve, sat, label in zip(curves, saturation, labels, strict=True):
        x = curve.raid_missiles
        ax_e.plot(x, curve.expected_penetrating, label=label)
        ax_p.plot(x, curve.p_at_least_k, label=f"{label}, k = {curve.k}")
        pfig.add_trace(go.Scatter(x=x, y=curve.expected_penetrating, name=label), 1, 1)
        pfig.add_trace(go.Scatter(x=x, y=curve.p_at_least_k, name=f"{label}, k={curve.k}"), 1, 2)
        if sat is not None:
            ax_e.axvline(sat, ls=":", color="grey")
            pfig.add_vline(x=sat, line_dash="dot", line_color="grey", row=1, col=1)
    if requirement_k is not None:
        ax_e.axhline(requirement_k, ls="--", color="black", lw=0.8)
    ax_e.set(
        xlabel="raid size (missiles)",
        ylabel="penetrating warheads",
        title="Expected penetrating warheads (dotted: saturation)",
    )
    ax_p.set(xlabel="raid size (missiles)", ylabel="probability", title="P(at least k penetrate)")
    ax_e.legend()
    ax_p.legend()
    pfig.update_xaxes(title_text="raid size (missiles)")
    pfig.update_layout(title="Penetration curves")
    return write_figure_pair(directory, name, fig, pfig)


def race_figures(
    directory: str | Path, race: RaceResult, richardson: RichardsonResult | None = None
) -> list[Path]:
    """Action-reaction trajectories (missiles, interceptors, spending) and Richardson."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ncols = 3 if richardson is not None else 2
    fig, axes = _new_mpl(1, ncols)
    titles = ["Forces (action-reaction)", "Cumulative spending"]
    if richardson is not None:
        titles.append("Richardson model")
    pfig = make_subplots(rows=1, cols=ncols, subplot_titles=titles)
    t = np.arange(race.blue_missiles.size)
    for side in ("blue", "red"):
        c = _COLOURS[side]
        n = getattr(race, f"{side}_missiles")
        i = getattr(race, f"{side}_interceptors")
        spend = np.cumsum(getattr(race, f"{side}_spending"))
        axes[0][0].plot(t, n, color=c, label=f"{side} missiles")
        axes[0][0].plot(t, i, color=c, ls="--", label=f"{side} interceptors")
        axes[0][1].plot(t, spend, color=c, label=side)
        pfig.add_trace(go.Scatter(x=t, y=n, name=f"{side} missiles", line_color=c), 1, 1)
        pfig.add_trace(
            go.Scatter(x=t, y=i, name=f"{side} interceptors", line={"color": c, "dash": "dash"}),
            1,
            1,
        )
        pfig.add_trace(go.Scatter(x=t, y=spend, name=f"{side} spending", line_color=c), 1, 2)
    axes[0][0].set(xlabel="period", ylabel="count", title=titles[0])
    axes[0][1].set(xlabel="period", ylabel="cumulative cost", title=titles[1])
    axes[0][0].legend()
    axes[0][1].legend()
    if richardson is not None:
        ax = axes[0][2]
        ax.plot(richardson.t_years, richardson.x, color=_COLOURS["blue"], label="x (blue)")
        ax.plot(richardson.t_years, richardson.y, color=_COLOURS["red"], label="y (red)")
        xs, ys = richardson.equilibrium
        if np.isfinite(xs):
            ax.axhline(xs, color=_COLOURS["blue"], ls=":")
            ax.axhline(ys, color=_COLOURS["red"], ls=":")
        ax.set(xlabel="years", ylabel="armament", title=titles[2])
        ax.legend()
        pfig.add_trace(go.Scatter(x=richardson.t_years, y=richardson.x, name="Richardson x"), 1, 3)
        pfig.add_trace(go.Scatter(x=richardson.t_years, y=richardson.y, name="Richardson y"), 1, 3)
    pfig.update_layout(title="Arms race")
    return write_figure_pair(directory, "race", fig, pfig)


def restraint_figures(directory: str | Path, m: RestraintMap) -> list[Path]:
    """Heat map of the stability index over two caps; cells that are not stable marked x."""
    import plotly.graph_objects as go

    fig, axes = _new_mpl()
    ax = axes[0][0]
    x, y = m.x_values, m.y_values
    mesh = ax.pcolormesh(x, y, m.stability_index, shading="nearest", vmin=0, vmax=1, cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="first-strike stability index")
    yy, xx = np.nonzero(~m.stable)
    ax.scatter(x[xx], y[yy], marker="x", color="#d62728", s=14, label="not stable")
    ax.set(
        xlabel=f"{m.x_cap} cap",
        ylabel=f"{m.y_cap} cap",
        title=f"Restraint map (stable: converged, deterred, index >= {m.threshold:g})",
    )
    ax.legend(loc="upper right")
    text = np.where(m.stable, "stable", "not stable")
    pfig = go.Figure(
        go.Heatmap(
            x=x,
            y=y,
            z=m.stability_index,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            text=text,
            hovertemplate=f"{m.x_cap} %{{x}}<br>{m.y_cap} %{{y}}<br>"
            "index %{z:.3f}<br>%{text}<extra></extra>",
            colorbar={"title": "index"},
        )
    )
    pfig.add_trace(
        go.Scatter(
            x=x[xx],
            y=y[yy],
            mode="markers",
            name="not stable",
            marker={"symbol": "x", "color": "#d62728"},
        )
    )
    pfig.update_layout(
        title="Restraint map", xaxis_title=f"{m.x_cap} cap", yaxis_title=f"{m.y_cap} cap"
    )
    return write_figure_pair(directory, "restraint", fig, pfig)


def stability_figures(
    directory: str | Path, interceptors: np.ndarray, index_by_side: dict[str, np.ndarray]
) -> list[Path]:
    """First-strike stability index as one side adds interceptors."""
    import plotly.graph_objects as go

    fig, axes = _new_mpl()
    ax = axes[0][0]
    pfig = go.Figure()
    for side, idx in index_by_side.items():
        ax.plot(interceptors, idx, color=_COLOURS.get(side), label=f"{side} adds interceptors")
        pfig.add_trace(
            go.Scatter(
                x=interceptors,
                y=idx,
                name=f"{side} adds interceptors",
                line_color=_COLOURS.get(side),
            )
        )
    ax.set(
        xlabel="interceptors",
        ylabel="stability index",
        ylim=(0, 1.02),
        title="First-strike stability vs interceptors",
    )
    ax.legend()
    pfig.update_layout(
        title="First-strike stability vs interceptors",
        xaxis_title="interceptors",
        yaxis_title="index",
        yaxis_range=[0, 1.02],
    )
    return write_figure_pair(directory, "first_strike", fig, pfig)
