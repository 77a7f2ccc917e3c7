"""Figures of the stability study: PNG (matplotlib, Agg) and self-contained HTML (plotly).

Every figure is built twice from the same data by a ``*_plot`` function that returns
``(matplotlib_figure, plotly_figure)`` (so tests and the HTML report can inspect or embed
them), and written as ``NAME.png`` and ``NAME.html`` by the matching ``*_figures``
function. Both renderings carry the same reference lines, markers and axis titles: the
saturation raid (dotted), the requirement K and the required probability (dashed), the
restore answer (dash-dot), the current posture (diamond markers). Blue and Red keep one
colour each everywhere (:mod:`shieldlab._palette`).

The HTML pages of one directory share one ``plotly.min.js`` written beside them
(:func:`write_plotlyjs`), so they open offline without each embedding 4.8 MB. Files are
rendered in memory and written atomically (:mod:`shieldlab._io`): a failure leaves no
half-written figure. Matplotlib is used through :class:`matplotlib.figure.Figure` with
the Agg canvas, never ``pyplot``, so no global figure state is touched. plotly and
matplotlib come from the ``[plot]`` extra, imported through
:func:`shieldlab._optional.require`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shieldlab._io import atomic_write_bytes, atomic_write_text
from shieldlab._optional import require
from shieldlab._palette import NEUTRAL, side_colour, side_label
from shieldlab.stability.penetration import PenetrationCurve
from shieldlab.stability.race import RaceResult, RichardsonResult
from shieldlab.stability.restraint import RestraintMap

if TYPE_CHECKING:
    from shieldlab.stability.posture import Posture

__all__ = [
    "CurveSpec",
    "colour_range",
    "crisis_figures",
    "crisis_plot",
    "display_names",
    "penetration_figures",
    "penetration_plot",
    "race_figures",
    "race_plot",
    "restraint_figures",
    "restraint_plot",
    "stability_figures",
    "stability_plot",
    "unstable_reasons",
    "write_figure_pair",
    "write_plotlyjs",
]

_FEATURE = "--plot"
#: The file every HTML figure of a directory loads plotly.js from.
PLOTLYJS = "plotly.min.js"


def _go() -> Any:
    return require("plotly.graph_objects", feature=_FEATURE)


def _new_mpl(nrows: int = 1, ncols: int = 1) -> tuple[Any, Any]:
    require("matplotlib", feature=_FEATURE)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5 * ncols, 4.8 * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def write_figure_pair(
    directory: str | Path, name: str, mpl_fig: Any, plotly_fig: Any
) -> list[Path]:
    """Write ``name.png`` and ``name.html`` into ``directory`` atomically; return the paths.

    The HTML loads ``plotly.min.js`` from beside it, written once per directory
    (:func:`write_plotlyjs`): five figures share one 4.8 MB copy and still open offline.
    """
    d = Path(directory)
    buf = io.BytesIO()
    mpl_fig.savefig(buf, format="png", dpi=110)
    from shieldlab._html import figure_page, figure_title

    html = figure_page(
        plotly_fig,
        include_plotlyjs="directory",
        title=figure_title(plotly_fig, f"shieldlab: {name}"),
    )
    png_path, html_path = d / f"{name}.png", d / f"{name}.html"
    write_plotlyjs(d)
    atomic_write_bytes(png_path, buf.getvalue())
    atomic_write_text(html_path, html)
    return [png_path, html_path]


def write_plotlyjs(directory: str | Path) -> Path:
    """``plotly.min.js`` of the installed plotly in ``directory``, unless already there.

    An existing file with other contents (another plotly version) is replaced, so every
    page in the directory runs the plotly.js its figures were made for.
    """
    offline = require("plotly.offline", feature=_FEATURE)
    out = Path(directory) / PLOTLYJS
    js = offline.get_plotlyjs()
    if (
        out.is_file()
        and out.stat().st_size == len(js.encode("utf-8"))
        and out.read_text(encoding="utf-8") == js
    ):
        return out
    atomic_write_text(out, js)
    return out


# -- penetration and restore ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CurveSpec:
    """One penetration curve and the marks drawn with it.

    ``side`` is the attacker (its colour), ``name`` its display name (default 'Blue' /
    'Red'); ``saturation`` the saturation raid (dotted line); ``k_line`` the requirement
    K in penetrating warheads (dashed, left panel); ``probability`` the required P(>= K)
    (dashed, right panel); ``needed`` the restore answer, missiles needed against the
    defence (dash-dot), ``needed_without`` the same without defence; ``current`` the
    attacker's current missiles (diamond). A curve with intervals (engine curves) is drawn
    with markers at the raid sizes run and its 95 % band.
    """

    curve: PenetrationCurve
    label: str
    side: str
    name: str | None = None
    saturation: int | None = None
    k_line: float | None = None
    probability: float | None = None
    needed: int | None = None
    needed_without: int | None = None
    current: int | None = None

    @property
    def who(self) -> str:
        """The attacker's display name."""
        return self.name if self.name is not None else side_label(self.side)


def display_names(labels: dict[str, str] | None) -> dict[str, str]:
    """Each side's name in figures: its posture name, else 'Blue' / 'Red'."""
    labels = labels or {}
    return {s: labels[s] if labels.get(s, s) != s else side_label(s) for s in ("blue", "red")}


def _at(curve: PenetrationCurve, n: int) -> tuple[float, float]:
    """E and P(>= k) at raid size ``n`` (interpolated between the raid sizes on the curve).

    ``n`` must lie on the curve's range: a mark beyond its end would be drawn at the
    curve's last value (ValueError).
    """
    x = curve.raid_missiles.astype(np.float64)
    if not x[0] <= n <= x[-1]:
        raise ValueError(f"raid size {n} is outside the curve's range [{x[0]:g}, {x[-1]:g}]")
    return (
        float(np.interp(n, x, curve.expected_penetrating)),
        float(np.interp(n, x, curve.p_at_least_k)),
    )


def _bands(cv: PenetrationCurve) -> tuple[Any, Any] | None:
    """The curve's 95 % bands: ((E lo, E hi), (P lo, P hi)), or None without intervals."""
    if cv.expected_ci95_half_width is None or cv.p_at_least_k_ci95 is None:
        return None
    half = cv.expected_ci95_half_width
    e = cv.expected_penetrating
    ci = cv.p_at_least_k_ci95
    return (e - half, e + half), (ci[:, 0], ci[:, 1])


def _legend_below(ax: Any) -> None:
    """The axes' legend under its plotting area, so no label covers a curve or a line."""
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2)


def penetration_plot(
    specs: list[CurveSpec], *, title: str, raid_unit: str = "missiles"
) -> tuple[Any, Any]:
    """Expected penetrating warheads and P(>= k) against raid size, with every mark.

    In the PNG every reference line is named in the legend below its panel (no text on
    the plotting area); in the HTML the line labels are annotations, staggered per side.
    """
    go = _go()
    from plotly.subplots import make_subplots

    fig, axes = _new_mpl(1, 2)
    fig.set_size_inches(15.0, 6.4)
    ax_e, ax_p = axes[0]
    left_title = "Expected penetrating warheads (dotted: saturation)"
    right_title = "P(at least K penetrate)"
    pfig = make_subplots(rows=1, cols=2, subplot_titles=(left_title, right_title))
    for i, s in enumerate(specs):
        # Alternate label ends and heights so two sides' labels never sit on each other.
        end = "left" if i % 2 == 0 else "right"
        shift = -16 * i
        c = side_colour(s.side)
        cv = s.curve
        x = cv.raid_missiles
        group = {"legendgroup": s.label}
        bands = _bands(cv)
        mode = "lines+markers" if bands is not None else "lines"
        mk = "o" if bands is not None else None
        ax_e.plot(x, cv.expected_penetrating, color=c, marker=mk, ms=4, label=s.label)
        ax_p.plot(x, cv.p_at_least_k, color=c, marker=mk, ms=4, label=f"{s.label}, K = {cv.k}")
        if bands is not None:
            (elo, ehi), (plo, phi) = bands
            ax_e.fill_between(
                x, elo, ehi, color=c, alpha=0.2, lw=0, label=f"{s.label}: 95 % interval"
            )
            ax_p.fill_between(
                x, plo, phi, color=c, alpha=0.2, lw=0, label=f"{s.label}: 95 % Wilson interval"
            )
            for col, (lo, hi), what in (
                (1, (elo, ehi), "95 % interval"),
                (2, (plo, phi), "95 % Wilson interval"),
            ):
                pfig.add_trace(
                    go.Scatter(
                        x=np.concatenate([x, x[::-1]]),
                        y=np.concatenate([hi, lo[::-1]]),
                        fill="toself",
                        fillcolor=_rgba(c, 0.2),
                        line={"width": 0},
                        mode="lines",
                        hoverinfo="skip",
                        name=f"{s.label}: {what}",
                        showlegend=True,
                        **group,
                    ),
                    1,
                    col,
                )
        pfig.add_trace(
            go.Scatter(
                x=x, y=cv.expected_penetrating, name=s.label, line_color=c, mode=mode, **group
            ),
            1,
            1,
        )
        pfig.add_trace(
            go.Scatter(
                x=x,
                y=cv.p_at_least_k,
                name=f"{s.label}, K = {cv.k}",
                line_color=c,
                mode=mode,
                showlegend=False,
                **group,
            ),
            1,
            2,
        )
        who = s.who
        if s.saturation is not None:
            text = f"{who} saturation: {s.saturation}"
            ax_e.axvline(s.saturation, ls=":", color=c, lw=1.2, label=text)
            pfig.add_vline(
                x=s.saturation,
                line_dash="dot",
                line_color=c,
                row=1,
                col=1,
                annotation_text=text,
                annotation_position=f"top {end}",
                annotation_yshift=shift,
                annotation_font_color=c,
            )
        if s.k_line is not None:
            text = f"{who} requirement K = {s.k_line:g}"
            ax_e.axhline(s.k_line, ls="--", color=c, lw=0.9, label=text)
            pfig.add_hline(
                y=s.k_line,
                line_dash="dash",
                line_color=c,
                row=1,
                col=1,
                annotation_text=text,
                annotation_position=f"top {end}",
                annotation_font_color=c,
            )
        if s.probability is not None:
            text = f"{who} required P = {s.probability:g}"
            ax_p.axhline(s.probability, ls="--", color=c, lw=0.9, label=text)
            pfig.add_hline(
                y=s.probability,
                line_dash="dash",
                line_color=c,
                row=1,
                col=2,
                annotation_text=text,
                annotation_position=f"bottom {end}",
                annotation_font_color=c,
            )
        if s.needed is not None:
            text = f"{who} needs {s.needed} missiles"
            if s.needed_without is not None:
                text += f" ({s.needed_without} without defence)"
            ax_e.axvline(s.needed, ls="-.", color=c, lw=1.0)
            ax_p.axvline(s.needed, ls="-.", color=c, lw=1.0, label=text)
            pfig.add_vline(x=s.needed, line_dash="dashdot", line_color=c, row=1, col=1)
            pfig.add_vline(
                x=s.needed,
                line_dash="dashdot",
                line_color=c,
                row=1,
                col=2,
                annotation_text=text,
                annotation_position=f"bottom {'right' if i % 2 == 0 else 'left'}",
                annotation_yshift=30 + 16 * i,
                annotation_font_color=c,
            )
        if s.current is not None:
            e, p = _at(cv, s.current)
            name = f"{who} current force ({s.current} missiles)"
            ax_e.plot([s.current], [e], marker="D", color=c, ls="none", mec="black", label=name)
            ax_p.plot([s.current], [p], marker="D", color=c, ls="none", mec="black", label=name)
            for col, yv in ((1, e), (2, p)):
                pfig.add_trace(
                    go.Scatter(
                        x=[s.current],
                        y=[yv],
                        mode="markers",
                        name=name,
                        marker={
                            "symbol": "diamond",
                            "size": 11,
                            "color": c,
                            "line": {"color": "black", "width": 1},
                        },
                        showlegend=col == 1,
                        **group,
                    ),
                    1,
                    col,
                )
    xlabel = f"raid size ({raid_unit})"
    ax_e.set(xlabel=xlabel, ylabel="penetrating warheads", title=left_title)
    ax_p.set(xlabel=xlabel, ylabel="probability", ylim=(-0.02, 1.02), title=right_title)
    _legend_below(ax_e)
    _legend_below(ax_p)
    fig.suptitle(title)
    pfig.update_xaxes(title_text=xlabel, row=1, col=1)
    pfig.update_xaxes(title_text=xlabel, row=1, col=2)
    pfig.update_yaxes(title_text="penetrating warheads", row=1, col=1)
    pfig.update_yaxes(title_text="probability", range=[-0.02, 1.02], row=1, col=2)
    pfig.update_layout(
        title=title, legend_title_text="attacker vs defender", template="plotly_white"
    )
    return fig, pfig


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[j : j + 2], 16) for j in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def penetration_figures(
    directory: str | Path,
    curves: list[PenetrationCurve],
    *,
    saturation: list[int | None],
    labels: list[str],
    requirement_k: int | None = None,
    name: str = "penetration",
    sides: list[str] | None = None,
    specs: list[CurveSpec] | None = None,
    title: str = "Penetration curves",
    raid_unit: str = "missiles",
) -> list[Path]:
    """Write a :func:`penetration_plot`; ``specs`` (if given) replaces the other lists.

    ``raid_unit`` names the x axis's unit ('threats' for engine curves)."""
    if specs is None:
        sides = sides or ["blue"] * len(curves)
        specs = [
            CurveSpec(
                curve=c,
                label=lab,
                side=sd,
                saturation=sat,
                k_line=None if requirement_k is None else float(requirement_k),
            )
            for c, sat, lab, sd in zip(curves, saturation, labels, sides, strict=True)
        ]
    fig, pfig = penetration_plot(specs, title=title, raid_unit=raid_unit)
    return write_figure_pair(directory, name, fig, pfig)


# -- arms race --------------------------------------------------------------------------------


def race_plot(
    race: RaceResult,
    richardson: RichardsonResult | None = None,
    *,
    names: dict[str, str] | None = None,
) -> tuple[Any, Any]:
    """Action-reaction forces and spending per period (and Richardson's model).

    Forces span the top row; spending and Richardson's model share the bottom row, so
    the PNG stays readable (about 1200 x 950 pixels, not one 2475-pixel strip).
    ``names`` are the sides' display names (the posture's; default Blue / Red).
    """
    go = _go()
    from plotly.subplots import make_subplots

    who_of = display_names(names)
    rich = richardson is not None
    require("matplotlib", feature=_FEATURE)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.0, 8.6), layout="constrained")
    FigureCanvasAgg(fig)
    mosaic = [["forces", "forces"], ["spend", "rich"]] if rich else [["forces"], ["spend"]]
    ax_map = fig.subplot_mosaic(mosaic)  # type: ignore[arg-type]
    ax_f, ax_s = ax_map["forces"], ax_map["spend"]
    titles = ["Forces (action-reaction)", "Cumulative spending (USD)"]
    if rich:
        titles.append("Richardson model (its own units)")
        pfig = make_subplots(
            rows=2,
            cols=2,
            specs=[[{"colspan": 2}, None], [{}, {}]],
            subplot_titles=titles,
            vertical_spacing=0.14,
        )
    else:
        pfig = make_subplots(rows=2, cols=1, subplot_titles=titles, vertical_spacing=0.14)
    cell = {"forces": (1, 1), "spend": (2, 1), "rich": (2, 2)}
    t = np.arange(race.blue_missiles.size)
    for side in ("blue", "red"):
        c, who = side_colour(side), who_of[side]
        n = getattr(race, f"{side}_missiles")
        i = getattr(race, f"{side}_interceptors")
        spend = np.cumsum(getattr(race, f"{side}_spending"))
        ax_f.plot(t, n, color=c, label=f"{who} missiles")
        ax_f.plot(t, i, color=c, ls="--", label=f"{who} interceptors")
        ax_f.plot([0, 0], [n[0], i[0]], marker="D", color=c, ls="none", mec="black")
        ax_s.plot(t, spend / 1e6, color=c, label=who)
        pfig.add_trace(go.Scatter(x=t, y=n, name=f"{who} missiles", line_color=c), *cell["forces"])
        pfig.add_trace(
            go.Scatter(x=t, y=i, name=f"{who} interceptors", line={"color": c, "dash": "dash"}),
            *cell["forces"],
        )
        pfig.add_trace(
            go.Scatter(
                x=[0, 0],
                y=[n[0], i[0]],
                mode="markers",
                name=f"{who} current posture",
                marker={
                    "symbol": "diamond",
                    "size": 10,
                    "color": c,
                    "line": {"color": "black", "width": 1},
                },
            ),
            *cell["forces"],
        )
        pfig.add_trace(
            go.Scatter(x=t, y=spend / 1e6, name=f"{who} spending", line_color=c), *cell["spend"]
        )
    ax_f.set(xlabel="period", ylabel="count (diamond: current posture)", title=titles[0])
    ax_s.set(xlabel="period", ylabel="cumulative spending (million USD)", title=titles[1])
    ax_f.legend(fontsize=9, ncols=2)
    ax_s.legend(fontsize=9)
    pfig.update_xaxes(title_text="period", row=1, col=1)
    pfig.update_xaxes(title_text="period", row=2, col=1)
    pfig.update_yaxes(title_text="count (diamond: current posture)", row=1, col=1)
    pfig.update_yaxes(title_text="cumulative spending (million USD)", row=2, col=1)
    if richardson is not None:
        ax = ax_map["rich"]
        bc, rc = side_colour("blue"), side_colour("red")
        bx, ry = f"x ({who_of['blue']})", f"y ({who_of['red']})"
        ax.plot(richardson.t_years, richardson.x, color=bc, label=bx)
        ax.plot(richardson.t_years, richardson.y, color=rc, label=ry)
        pfig.add_trace(
            go.Scatter(
                x=richardson.t_years, y=richardson.x, name=f"Richardson {bx}", line_color=bc
            ),
            *cell["rich"],
        )
        pfig.add_trace(
            go.Scatter(
                x=richardson.t_years, y=richardson.y, name=f"Richardson {ry}", line_color=rc
            ),
            *cell["rich"],
        )
        xs, ys = richardson.equilibrium
        if np.isfinite(xs):
            ax.axhline(xs, color=bc, ls=":", label=f"x* = {xs:.4g}")
            ax.axhline(ys, color=rc, ls=":", label=f"y* = {ys:.4g}")
            pfig.add_hline(
                y=xs,
                line_dash="dot",
                line_color=bc,
                row=2,
                col=2,
                annotation_text=f"x* = {xs:.4g}",
                annotation_font_color=bc,
            )
            pfig.add_hline(
                y=ys,
                line_dash="dot",
                line_color=rc,
                row=2,
                col=2,
                annotation_text=f"y* = {ys:.4g}",
                annotation_font_color=rc,
                annotation_position="bottom right",
            )
        ax.set(xlabel="years", ylabel="armament (Richardson's units)", title=titles[2])
        ax.legend(fontsize=9)
        pfig.update_xaxes(title_text="years", row=2, col=2)
        pfig.update_yaxes(title_text="armament (Richardson's units)", row=2, col=2)
    fig.suptitle("Arms race")
    pfig.update_layout(title="Arms race", template="plotly_white", height=800)
    return fig, pfig


def race_figures(
    directory: str | Path,
    race: RaceResult,
    richardson: RichardsonResult | None = None,
    *,
    names: dict[str, str] | None = None,
) -> list[Path]:
    """Write a :func:`race_plot` as ``race.png`` and ``race.html``."""
    fig, pfig = race_plot(race, richardson, names=names)
    return write_figure_pair(directory, "race", fig, pfig)


# -- restraint --------------------------------------------------------------------------------

#: Markers of the reasons a cap pair is not stable, in :func:`unstable_reasons` order:
#: (marker in the PNG, plotly symbol).
_REASONS = (("x", "x"), ("v", "triangle-down"), ("^", "triangle-up"), ("o", "circle-open"))


def unstable_reasons(m: RestraintMap, names: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """For each condition of stability, the ``[y, x]`` cells where it fails.

    ``names``: the sides' display names (default Blue / Red), used in the conditions.
    "X's deterrent fails": X's missiles do not meet X's retaliation requirement against
    the other's (capped) defence.
    """
    return m.failing(display_names(names))


def _posture_value(posture: Posture, side: str, cap: str) -> int:
    sp = posture.side(side)  # type: ignore[arg-type]
    if cap == "interceptors":
        return sp.defence.interceptors
    if cap == "launchers":
        return sp.offence.launchers
    return sp.offence.warheads_per_launcher


def colour_range(values: np.ndarray, step: float = 0.05) -> tuple[float, float]:
    """A colour scale spanning ``values`` (within [0, 1]), rounded out to ``step``."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0, 1.0
    lo = max(0.0, float(np.floor(v.min() / step + 1e-9)) * step)
    hi = min(1.0, float(np.ceil(v.max() / step - 1e-9)) * step)
    if hi - lo < step:
        lo, hi = max(0.0, hi - step), min(1.0, lo + step)
        if hi - lo < step:  # (at an end of [0, 1])
            lo, hi = (1.0 - step, 1.0) if hi >= 1.0 else (0.0, step)
    return round(lo, 10), round(hi, 10)


def restraint_plot(m: RestraintMap, posture: Posture | None = None) -> tuple[Any, Any]:
    """Heat map of the stability index over two caps; why each unstable cell fails.

    Each failing condition has its own marker (and the plotly hover text of a cell lists
    them); a condition that fails nowhere on the map is named in the legend ("never fails
    on this map", with the lowest index when it is the threshold). The colour scale spans
    the data (rounded out to 0.05), not [0, 1], so small differences stay visible. With
    ``posture`` each side's current forces are marked (diamonds).
    """
    go = _go()
    fig, axes = _new_mpl()
    ax = axes[0][0]
    x, y = m.x_values, m.y_values
    who_of = display_names(None if posture is None else posture.labels)
    reasons = unstable_reasons(m, who_of)
    title = f"Restraint map (stable: race settles, both deterrents hold, index >= {m.threshold:g})"
    lo, hi = colour_range(m.stability_index)
    mesh = ax.pcolormesh(
        x, y, m.stability_index, shading="nearest", vmin=lo, vmax=hi, cmap="viridis"
    )
    fig.colorbar(mesh, ax=ax, label="first-strike stability index")
    text = np.full(m.stable.shape, "", dtype=object)
    for iy in range(y.size):
        for ix in range(x.size):
            why = [r for r, bad in reasons.items() if bad[iy, ix]]
            text[iy, ix] = "stable" if m.stable[iy, ix] else "not stable: " + "; ".join(why)
    pfig = go.Figure(
        go.Heatmap(
            x=x,
            y=y,
            z=m.stability_index,
            zmin=lo,
            zmax=hi,
            colorscale="Viridis",
            text=text,
            name="stability index",
            hovertemplate=f"{m.x_cap} cap %{{x}}<br>{m.y_cap} cap %{{y}}<br>"
            "index %{z:.3f}<br>%{text}<extra></extra>",
            colorbar={"title": {"text": "index"}},
        )
    )
    for (mk, symbol), (reason, bad) in zip(_REASONS, reasons.items(), strict=True):
        yy, xx = np.nonzero(bad)
        if yy.size == 0:
            continue
        style: dict[str, Any] = (
            {"color": "#222222", "linewidths": 1.2}
            if mk == "x"
            else {"facecolors": "none" if mk == "o" else "#ffffff", "edgecolors": "#222222"}
        )
        ax.scatter(x[xx], y[yy], marker=mk, s=26, label=reason, **style)
        pfig.add_trace(
            go.Scatter(
                x=x[xx],
                y=y[yy],
                mode="markers",
                name=reason,
                hoverinfo="skip",
                marker={
                    "symbol": symbol,
                    "size": 8,
                    "color": "#ffffff",
                    "line": {"color": "#333333", "width": 1},
                },
            )
        )
    never = [r for r, bad in reasons.items() if not bad.any()]
    if never:
        note = "never fails on this map: " + "; ".join(never)
        if "index below threshold" in never:
            note += f" (lowest index {float(np.min(m.stability_index)):.2f} >= {m.threshold:g})"
        ax.plot([], [], ls="none", label=note)
        pfig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=note,
                marker={"opacity": 0},
                hoverinfo="skip",
            )
        )
    if posture is not None:
        for side in ("blue", "red"):
            c, who = side_colour(side), who_of[side]
            px, py = _posture_value(posture, side, m.x_cap), _posture_value(posture, side, m.y_cap)
            name = f"{who} current posture ({m.x_cap} {px}, {m.y_cap} {py})"
            ax.scatter(
                [px], [py], marker="D", s=60, color=c, edgecolors="black", label=name, zorder=5
            )
            pfig.add_trace(
                go.Scatter(
                    x=[px],
                    y=[py],
                    mode="markers",
                    name=name,
                    marker={
                        "symbol": "diamond",
                        "size": 13,
                        "color": c,
                        "line": {"color": "black", "width": 1.5},
                    },
                )
            )
    ax.set(xlabel=f"{m.x_cap} cap (both sides)", ylabel=f"{m.y_cap} cap (both sides)", title=title)
    fig.set_size_inches(8.0, 7.4)
    fig.legend(loc="outside lower center", ncols=1, fontsize=8)
    pfig.update_layout(
        title=title,
        xaxis_title=f"{m.x_cap} cap (both sides)",
        yaxis_title=f"{m.y_cap} cap (both sides)",
        legend={"x": 1.15, "y": 1.0},
        template="plotly_white",
    )
    return fig, pfig


def restraint_figures(
    directory: str | Path, m: RestraintMap, posture: Posture | None = None
) -> list[Path]:
    """Write a :func:`restraint_plot` as ``restraint.png`` and ``restraint.html``."""
    fig, pfig = restraint_plot(m, posture)
    return write_figure_pair(directory, "restraint", fig, pfig)


# -- first-strike stability ---------------------------------------------------------------------


def stability_plot(
    interceptors: np.ndarray,
    index_by_side: dict[str, np.ndarray],
    *,
    current: dict[str, tuple[int, float]] | None = None,
    threshold: float | None = None,
    names: dict[str, str] | None = None,
) -> tuple[Any, Any]:
    """First-strike stability index as one side adds interceptors.

    ``current`` maps a side to (its interceptors now, the posture's index): a diamond,
    which lies on the side's curve when ``interceptors`` holds its count (the study's
    figure sweep does). ``names``: the sides' display names (default Blue / Red).
    """
    who_of = display_names(names)
    go = _go()
    title = "First-strike stability vs interceptors"
    fig, axes = _new_mpl()
    ax = axes[0][0]
    pfig = go.Figure()
    for side, idx in index_by_side.items():
        c, who = side_colour(side), who_of.get(side, side_label(side))
        ax.plot(interceptors, idx, color=c, label=f"{who} adds interceptors")
        pfig.add_trace(
            go.Scatter(
                x=interceptors,
                y=idx,
                name=f"{who} adds interceptors",
                line_color=c,
                legendgroup=side,
            )
        )
        if current is not None and side in current:
            n, v = current[side]
            name = f"{who} current posture ({n} interceptors, index {v:.3f})"
            ax.plot([n], [v], marker="D", color=c, mec="black", ls="none", label=name)
            pfig.add_trace(
                go.Scatter(
                    x=[n],
                    y=[v],
                    mode="markers",
                    name=name,
                    legendgroup=side,
                    marker={
                        "symbol": "diamond",
                        "size": 12,
                        "color": c,
                        "line": {"color": "black", "width": 1},
                    },
                )
            )
    if threshold is not None:
        ax.axhline(threshold, ls="--", color=NEUTRAL["requirement"], lw=0.8)
        pfig.add_hline(
            y=threshold,
            line_dash="dash",
            line_color=NEUTRAL["requirement"],
            annotation_text=f"stability threshold {threshold:g}",
        )
    ax.set(
        xlabel="interceptors of the side that adds them",
        ylabel="stability index",
        ylim=(0, 1.02),
        title=title,
    )
    ax.legend(fontsize=8)
    pfig.update_layout(
        title=title,
        xaxis_title="interceptors of the side that adds them",
        yaxis_title="stability index",
        yaxis_range=[0, 1.02],
        template="plotly_white",
    )
    return fig, pfig


def stability_figures(
    directory: str | Path,
    interceptors: np.ndarray,
    index_by_side: dict[str, np.ndarray],
    *,
    current: dict[str, tuple[int, float]] | None = None,
    threshold: float | None = None,
    names: dict[str, str] | None = None,
) -> list[Path]:
    """Write a :func:`stability_plot` as ``first_strike.png`` and ``first_strike.html``."""
    fig, pfig = stability_plot(
        interceptors, index_by_side, current=current, threshold=threshold, names=names
    )
    return write_figure_pair(directory, "first_strike", fig, pfig)


# -- crisis time ----------------------------------------------------------------------------


def crisis_plot(
    warning_s: np.ndarray,
    index: dict[str, np.ndarray],
    *,
    current: tuple[dict[str, float], float] | None = None,
    names: dict[str, str] | None = None,
) -> tuple[Any, Any]:
    """The first-strike index against warning time (minutes on the axis).

    ``index`` has the curves ``"both"`` (both sides' warning) and ``"blue"``/``"red"``
    (that side's warning, the other's as given); ``current`` = (each side's warning now,
    the index now): a diamond on each side's curve (and on "both" when the two warnings
    are equal).
    """
    go = _go()
    who_of = display_names(names)
    title = "First-strike stability vs warning time"
    fig, axes = _new_mpl()
    fig.set_size_inches(8.0, 5.6)
    ax = axes[0][0]
    pfig = go.Figure()
    minutes = np.asarray(warning_s, dtype=np.float64) / 60.0
    styles = {
        "both": (NEUTRAL["requirement"], "-", "both sides' warning"),
        "blue": (side_colour("blue"), "--", f"{who_of['blue']}'s warning only"),
        "red": (side_colour("red"), "-.", f"{who_of['red']}'s warning only"),
    }
    for key in ("both", "blue", "red"):
        c, ls, name = styles[key]
        ax.plot(minutes, index[key], color=c, ls=ls, label=name)
        dash = {"-": "solid", "--": "dash", "-.": "dashdot"}[ls]
        pfig.add_trace(
            go.Scatter(x=minutes, y=index[key], name=name, line={"color": c, "dash": dash})
        )
    if current is not None:
        now, value = current
        marks = [(k, now[k]) for k in ("blue", "red")]
        if now["blue"] == now["red"]:
            marks.append(("both", now["blue"]))
        for key, w in marks:
            c = styles[key][0]
            who = "now" if key == "both" else f"{who_of[key]} now"
            label = f"{who} ({w / 60:g} min, index {value:.3f})"
            ax.plot([w / 60], [value], marker="D", color=c, mec="black", ls="none", label=label)
            pfig.add_trace(
                go.Scatter(
                    x=[w / 60],
                    y=[value],
                    mode="markers",
                    name=label,
                    marker={
                        "symbol": "diamond",
                        "size": 12,
                        "color": c,
                        "line": {"color": "black", "width": 1},
                    },
                )
            )
    xlabel = "warning time (minutes, detection to impact)"
    ax.set(xlabel=xlabel, ylabel="stability index", ylim=(0, 1.02), title=title)
    _legend_below(ax)
    pfig.update_layout(
        title=title,
        xaxis_title=xlabel,
        yaxis_title="stability index",
        yaxis_range=[0, 1.02],
        template="plotly_white",
    )
    return fig, pfig


def crisis_figures(
    directory: str | Path,
    warning_s: np.ndarray,
    index: dict[str, np.ndarray],
    *,
    current: tuple[dict[str, float], float] | None = None,
    names: dict[str, str] | None = None,
) -> list[Path]:
    """Write a :func:`crisis_plot` as ``crisis.png`` and ``crisis.html``."""
    fig, pfig = crisis_plot(warning_s, index, current=current, names=names)
    return write_figure_pair(directory, "crisis", fig, pfig)
