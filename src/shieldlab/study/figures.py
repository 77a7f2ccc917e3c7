"""Figures of a study and its static HTML page (``shieldlab study show DIR --plot OUT``).

Which figures a study gets depends on its design:

* **one factor** (``sweep``): each main output against the factor, a line with its 95 %
  band -- leakers: the cells' Student t interval (``leakers_ci_low``/``_high``);
  ``p_any_leak``: the Wilson score interval of k = p · n of n replications; the stability
  index is a function of the cell's mean (no band).
* **two factors on a grid** (``heatmap_<output>``): the output over the grid, each cell
  labelled with its value (missing cells of an interrupted study blank).
* **Sobol** (``sobol``): per output, first-order S1 and total ST as horizontal bars with
  their bootstrap 95 % intervals, factors sorted by ST (largest on top: a tornado chart).
* **Morris** (``morris``): per output, mu* with its bootstrap interval and sigma as
  horizontal bars, sorted by mu*.
* **other designs with several factors** (``scatter``): leakers of every cell against each
  factor (with the cells' intervals as error bars).

Every figure is built as a pair (matplotlib for the PNG, plotly for the HTML) from the same
arrays, like :mod:`shieldlab.stability.plots`, and written atomically as ``NAME.png`` and
``NAME.html`` (plotly.js embedded: offline). :func:`study_page` writes ``study.html``: the
summary, every figure (plotly.js once, inline), the table of cells and the sensitivity
tables -- one file that opens offline. plotly and matplotlib come from the ``[plot]`` extra.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from shieldlab._io import atomic_write_text
from shieldlab._optional import require
from shieldlab.core.stats import wilson_interval
from shieldlab.study.display import (
    cells_table_html,
    fmt,
    sensitivity_by_output,
    sensitivity_tables_html,
)

if TYPE_CHECKING:
    from shieldlab.study.runner import StudyResults

__all__ = [
    "FigurePair",
    "band",
    "grid_matrix",
    "study_figures",
    "study_page",
    "write_study_figures",
]

F64 = npt.NDArray[np.float64]
_FEATURE = "study show --plot"
#: Outputs drawn by the sweep and the heatmaps, when the study has them.
PLOT_OUTPUTS = ("leakers", "p_any_leak", "stability_index")
LINE = "#0072B2"  # Okabe-Ito blue (shieldlab._palette)
TOTAL = "#D55E00"  # Okabe-Ito vermillion
LABELS = {
    "leakers": "mean lethal leakers",
    "p_any_leak": "P(at least one leaker)",
    "stability_index": "first-strike stability index",
}


@dataclass(frozen=True)
class FigurePair:
    """One figure in both renderings: ``mpl`` (PNG) and ``plotly`` (HTML)."""

    name: str
    mpl: Any
    plotly: Any


def _go() -> Any:
    return require("plotly.graph_objects", feature=_FEATURE)


def _subplots(rows: int, cols: int, **kw: Any) -> Any:
    return require("plotly.subplots", feature=_FEATURE).make_subplots(rows=rows, cols=cols, **kw)


def _new_mpl(nrows: int, ncols: int, *, width: float = 7.5, height: float = 4.2) -> Any:
    require("matplotlib", feature=_FEATURE)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def _outputs(res: StudyResults) -> list[str]:
    return [o for o in PLOT_OUTPUTS if o in res.outputs]


def band(res: StudyResults, output: str) -> tuple[F64, F64, F64] | None:
    """(mean, low, high) of an output over the cells, or ``None`` when it has no band.

    leakers: the stored Student t interval; p_any_leak: Wilson from k = round(p n) of the
    study's n replications per cell.
    """
    y = res.column(output)
    if output == "leakers" and "leakers_ci_low" in res.outputs:
        return y, res.column("leakers_ci_low"), res.column("leakers_ci_high")
    if output in ("p_any_leak", "p_zero_leakers") and res.replications:
        n = int(res.replications)
        bounds = [
            wilson_interval(round(p * n), n) if math.isfinite(p) else (math.nan, math.nan)
            for p in y
        ]
        arr = np.asarray(bounds, dtype=float).reshape(-1, 2)
        return y, arr[:, 0], arr[:, 1]
    return None


def sweep_figure(res: StudyResults) -> FigurePair:
    """Each output against the study's single factor, with its 95 % band."""
    go = _go()
    factor = res.factors[0]
    x = res.column(factor).astype(float)
    order = np.argsort(x, kind="stable")
    outs = _outputs(res)
    fig = _subplots(len(outs), 1, shared_xaxes=True, vertical_spacing=0.08)
    mfig, axes = _new_mpl(len(outs), 1)
    for k, o in enumerate(outs):
        b = band(res, o)
        y = res.column(o)[order]
        xs = x[order]
        if b is not None:
            lo, hi = b[1][order], b[2][order]
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([xs, xs[::-1]]),
                    y=np.concatenate([hi, lo[::-1]]),
                    fill="toself",
                    fillcolor="rgba(0,114,178,0.18)",
                    line={"width": 0},
                    hoverinfo="skip",
                    name=f"{o}: 95 % interval",
                    legendgroup=o,
                ),
                row=k + 1,
                col=1,
            )
            axes[k, 0].fill_between(xs, lo, hi, color=LINE, alpha=0.18, lw=0, label="95 %")
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=y,
                mode="lines+markers",
                line={"color": LINE},
                name=o,
                legendgroup=o,
            ),
            row=k + 1,
            col=1,
        )
        axes[k, 0].plot(xs, y, "o-", color=LINE, ms=3, label=o)
        fig.update_yaxes(title_text=LABELS.get(o, o), row=k + 1, col=1)
        axes[k, 0].set_ylabel(LABELS.get(o, o))
        axes[k, 0].grid(alpha=0.3)
    fig.update_xaxes(title_text=factor, row=len(outs), col=1)
    axes[-1, 0].set_xlabel(factor)
    title = f"{res.name}: outputs against {factor} (95 % bands)"
    fig.update_layout(title={"text": title}, template="plotly_white", height=320 * len(outs) + 80)
    mfig.suptitle(title)
    return FigurePair("sweep", mfig, fig)


def grid_matrix(res: StudyResults, output: str) -> tuple[F64, F64, F64]:
    """(x levels, y levels, z[y, x]) of an output over a two-factor grid (NaN: missing)."""
    fx, fy = res.factors[:2]
    xv, yv = res.column(fx).astype(float), res.column(fy).astype(float)
    xs, ys = np.unique(xv), np.unique(yv)
    z = np.full((ys.size, xs.size), np.nan)
    for xi, yi, v in zip(
        np.searchsorted(xs, xv), np.searchsorted(ys, yv), res.column(output), strict=True
    ):
        z[yi, xi] = v
    return xs, ys, z


def _level(v: float) -> str:
    """A factor level as tick text: whole numbers without decimals."""
    return f"{int(v):,}" if float(v).is_integer() and abs(v) < 1e15 else f"{v:.4g}"


def heatmap_figure(res: StudyResults, output: str) -> FigurePair:
    """An output over a two-factor grid, every cell labelled with its value."""
    go = _go()
    fx, fy = res.factors[:2]
    xs, ys, z = grid_matrix(res, output)
    text = [[fmt(float(v), 2) if math.isfinite(v) else "" for v in row] for row in z]
    label = LABELS.get(output, output)
    fig = go.Figure(
        go.Heatmap(
            x=[_level(float(v)) for v in xs],
            y=[_level(float(v)) for v in ys],
            z=z,
            text=text,
            texttemplate="%{text}",
            colorscale="Viridis",
            colorbar={"title": {"text": label}},
            hovertemplate=f"{fx} %{{x}}<br>{fy} %{{y}}<br>{output} %{{z:.4g}}<extra></extra>",
        )
    )
    title = f"{res.name}: {label} over {fx} x {fy}"
    fig.update_layout(
        title={"text": title},
        xaxis={"title": {"text": fx}, "type": "category"},
        yaxis={"title": {"text": fy}, "type": "category"},
        template="plotly_white",
        height=max(420, 36 * ys.size + 200),
    )
    mfig, axes = _new_mpl(1, 1, width=8.5, height=max(4.0, 0.4 * ys.size + 2.0))
    ax = axes[0, 0]
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(xs.size), [_level(float(v)) for v in xs], rotation=45, fontsize=7)
    ax.set_yticks(range(ys.size), [_level(float(v)) for v in ys], fontsize=7)
    if z.size <= 400:
        mid = float(np.nanmean(z)) if np.isfinite(z).any() else 0.0
        for (i, j), v in np.ndenumerate(z):
            if math.isfinite(v):
                colour = "k" if v > mid else "w"  # viridis: dark low, bright high
                ax.text(j, i, fmt(float(v), 2), ha="center", va="center", fontsize=7, color=colour)
    ax.set_xlabel(fx)
    ax.set_ylabel(fy)
    mfig.colorbar(im, ax=ax, label=label)
    ax.set_title(title)
    return FigurePair(f"heatmap_{output}", mfig, fig)


def _bar_errors(value: F64, low: F64, high: F64) -> tuple[F64, F64]:
    """Error-bar lengths (minus, plus) of intervals; 0 where there is none (NaN)."""
    return np.nan_to_num(value - low, nan=0.0), np.nan_to_num(high - value, nan=0.0)


def indices_figure(res: StudyResults) -> FigurePair:
    """Sobol S1/ST (or Morris mu*/sigma) per output as sorted horizontal bars (tornado)."""
    go = _go()
    sobol = res.design == "sobol"
    measures = ("S1", "ST") if sobol else ("mu_star", "sigma")
    key = "ST" if sobol else "mu_star"
    colours = {"S1": LINE, "ST": TOTAL, "mu_star": LINE, "sigma": TOTAL}
    names = {"S1": "first order S1", "ST": "total ST", "mu_star": "mu*", "sigma": "sigma"}
    by = sensitivity_by_output(res)
    outs = list(by)
    fig = _subplots(1, len(outs), subplot_titles=outs, horizontal_spacing=0.12)
    height = max(3.0, 0.5 * len(res.factors) + 1.5)
    mfig, axes = _new_mpl(1, len(outs), width=6.0, height=height)
    for c, o in enumerate(outs):
        rows = sorted(by[o], key=lambda fr: abs(fr[1][key]["value"]))  # largest on top
        factors = [f for f, _ in rows]
        pos = np.arange(len(factors), dtype=float)
        ax = axes[0, c]
        for m_i, m in enumerate(measures):
            v = np.array([r[m]["value"] for _, r in rows], dtype=float)
            lo = np.array([r[m]["low"] for _, r in rows], dtype=float)
            hi = np.array([r[m]["high"] for _, r in rows], dtype=float)
            minus, plus = _bar_errors(v, lo, hi)
            fig.add_trace(
                go.Bar(
                    x=v,
                    y=factors,
                    orientation="h",
                    name=names[m],
                    legendgroup=m,
                    showlegend=c == 0,
                    marker={"color": colours[m]},
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": plus,
                        "arrayminus": minus,
                    },
                ),
                row=1,
                col=c + 1,
            )
            off = (m_i - 0.5) * 0.38
            ax.barh(
                pos + off,
                v,
                height=0.38,
                xerr=np.vstack([minus, plus]),
                color=colours[m],
                label=names[m] if c == 0 else None,
                capsize=2,
            )
        ax.set_yticks(pos, factors, fontsize=8)
        ax.set_title(o)
        ax.set_xlabel("index" if sobol else "effect per full range")
        ax.grid(axis="x", alpha=0.3)
        fig.update_xaxes(title_text="index" if sobol else "effect per full range", row=1, col=c + 1)
    what = "Sobol indices (95 % bootstrap)" if sobol else "Morris screening (95 % bootstrap on mu*)"
    title = f"{res.name}: {what}"
    fig.update_layout(
        title={"text": title},
        barmode="group",
        template="plotly_white",
        height=max(380, 44 * len(res.factors) + 180),
    )
    mfig.suptitle(title)
    mfig.legend(loc="outside lower center", ncol=2, fontsize=8)
    return FigurePair("sobol" if sobol else "morris", mfig, fig)


def scatter_figure(res: StudyResults) -> FigurePair:
    """Leakers of every cell against each factor (error bars: the cells' intervals)."""
    go = _go()
    output = "leakers" if "leakers" in res.outputs else _outputs(res)[0]
    k = len(res.factors)
    cols = min(k, 3)
    nrows = -(-k // cols)
    fig = _subplots(nrows, cols, subplot_titles=list(res.factors), vertical_spacing=0.12)
    mfig, axes = _new_mpl(nrows, cols, width=5.0, height=3.6)
    b = band(res, output)
    y = res.column(output)
    for j, f in enumerate(res.factors):
        r, c = divmod(j, cols)
        x = res.column(f).astype(float)
        err = None
        if b is not None:
            minus, plus = _bar_errors(y, b[1], b[2])
            err = {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus}
            axes[r, c].errorbar(
                x, y, yerr=np.vstack([minus, plus]), fmt="o", ms=3, color=LINE, elinewidth=0.6
            )
        else:
            axes[r, c].plot(x, y, "o", ms=3, color=LINE)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="markers",
                marker={"color": LINE, "size": 5},
                error_y=err,
                showlegend=False,
                name=f,
            ),
            row=r + 1,
            col=c + 1,
        )
        fig.update_xaxes(title_text=f, row=r + 1, col=c + 1)
        fig.update_yaxes(title_text=output, row=r + 1, col=c + 1)
        axes[r, c].set_xlabel(f)
        axes[r, c].set_ylabel(output)
        axes[r, c].grid(alpha=0.3)
    for j in range(k, nrows * cols):
        axes[divmod(j, cols)].set_visible(False)
    title = f"{res.name}: {LABELS.get(output, output)} of every cell against each factor"
    fig.update_layout(title={"text": title}, template="plotly_white", height=330 * nrows + 80)
    mfig.suptitle(title)
    return FigurePair("scatter", mfig, fig)


def study_figures(res: StudyResults) -> list[FigurePair]:
    """The figures the study's design calls for (see the module docstring)."""
    if not res.records or not _outputs(res):
        return []
    out: list[FigurePair] = []
    if len(res.factors) == 1:
        out.append(sweep_figure(res))
    elif len(res.factors) == 2 and res.design in ("grid", "list"):
        out += [heatmap_figure(res, o) for o in _outputs(res)]
    else:
        out.append(scatter_figure(res))
    if res.sensitivity and res.design in ("sobol", "morris"):
        out.append(indices_figure(res))
    return out


def _png(fig: Any) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def write_study_figures(res: StudyResults, directory: str | Path) -> list[Path]:
    """Every figure as ``NAME.png`` and ``NAME.html`` plus ``study.html``; the paths.

    Everything is rendered in memory first, then written atomically file by file.
    """
    from shieldlab._html import figure_page
    from shieldlab._io import atomic_write_bytes

    d = Path(directory)
    figs = study_figures(res)
    rendered = [
        (f.name, _png(f.mpl), figure_page(f.plotly, title=f"shieldlab study {res.name}: {f.name}"))
        for f in figs
    ]
    page = study_page(res, figs)
    written: list[Path] = []
    for name, png, page_html in rendered:
        atomic_write_bytes(d / f"{name}.png", png)
        atomic_write_text(d / f"{name}.html", page_html)
        written += [d / f"{name}.png", d / f"{name}.html"]
    atomic_write_text(d / "study.html", page)
    written.append(d / "study.html")
    return written


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px} th{background:#f2f2f2}
caption{font-weight:bold;padding:4px 0} .meta{color:#555}
"""


def study_page(res: StudyResults, figures: list[FigurePair] | None = None) -> str:
    """The study as one self-contained HTML page: summary, figures, cells, indices.

    plotly.js is embedded once (the page opens offline); every text is escaped.
    """
    from importlib.metadata import version

    figs = study_figures(res) if figures is None else figures
    title = f"shieldlab study {res.name}"
    done = len(res.records)
    meta = [
        f"{res.design} design over {', '.join(res.factors)}",
        f"{done:,} of {res.n_cells:,} cells",
    ]
    if res.replications is not None and "leakers" in res.outputs:  # (posture-only: none)
        meta.append(f"{res.replications:,} replications per cell")
    if res.seed is not None:
        meta.append(f"seed {res.seed}")
    meta.append(f"shieldlab {version('shieldlab')}")
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{html.escape('; '.join(meta))}</p>",
    ]
    if done < res.n_cells:
        parts.append(
            f"<p><b>Incomplete</b>: {res.n_cells - done:,} cells missing; "
            "'shieldlab study run' with the same study and --out resumes it.</p>"
        )
    for k, f in enumerate(figs):
        parts.append(f"<h2>{html.escape(f.name.replace('_', ' '))}</h2>")
        parts.append(f.plotly.to_html(full_html=False, include_plotlyjs=k == 0))
    if res.sensitivity:
        parts.append("<h2>sensitivity</h2>" + sensitivity_tables_html(res))
    parts.append("<h2>cells</h2>" + cells_table_html(res, max_rows=None))
    parts.append("</body></html>")
    return "\n".join(parts)
