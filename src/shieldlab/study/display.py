"""HTML tables of a study: its cells and its sensitivity indices.

The notebook display of :class:`~shieldlab.study.StudyResults` (``_repr_html_``) and the
tables of the study's static HTML page (:mod:`shieldlab.study.figures`) are built here,
from plain HTML (every text escaped), with no plotting library.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any, Protocol

from shieldlab._html import html_table

__all__ = [
    "MAIN_OUTPUTS",
    "StudyView",
    "cells_table_html",
    "fmt",
    "sensitivity_tables_html",
    "study_html",
]


class StudyView(Protocol):
    """What the tables read of a study; :class:`shieldlab.study.StudyResults` is one.

    Declared here, below the runner that defines the results class and whose
    ``_repr_html_`` calls :func:`study_html`: this module imports no module of the study
    package above it (docs/architecture.md, "No import cycles").
    """

    @property
    def name(self) -> str: ...
    @property
    def design(self) -> str: ...
    @property
    def factors(self) -> tuple[str, ...]: ...
    @property
    def outputs(self) -> tuple[str, ...]: ...
    @property
    def records(self) -> list[dict[str, Any]]: ...
    @property
    def sensitivity(self) -> list[dict[str, Any]] | None: ...
    @property
    def n_cells(self) -> int: ...
    @property
    def directory(self) -> Path | None: ...


#: The outputs shown in the table of cells (when the study has them), in this order.
MAIN_OUTPUTS = ("leakers", "p_any_leak", "interceptors_fired", "stability_index")
#: Cells shown in a notebook (the rest: ``res.records``, the store).
HTML_ROWS = 40


def fmt(v: Any, digits: int = 3) -> str:
    """A factor value or output as table text (``-`` for missing and NaN)."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        if v != 0.0 and abs(v) < 10.0 ** (-digits):
            return f"{v:.3g}"  # (a card range of 1e-4 would read 0.000)
        return f"{v:,.{digits}f}" if abs(v) < 1e6 else f"{v:.3g}"
    return str(v)


def main_outputs(res: StudyView) -> list[str]:
    """The outputs of :data:`MAIN_OUTPUTS` that the study has."""
    return [o for o in MAIN_OUTPUTS if o in res.outputs]


def cells_table_html(res: StudyView, max_rows: int | None = HTML_ROWS) -> str:
    """The cells (the first ``max_rows``; ``None``: all): cell, factor values, outputs."""
    shown = res.records if max_rows is None else res.records[:max_rows]
    outs = main_outputs(res)
    header = ["cell", *res.factors, *(o + (" ±95 %" if o == "leakers" else "") for o in outs)]
    rows = []
    for r in shown:
        o = r["outputs"]
        row = [str(r["cell"]), *(fmt(v) for v in r["values"])]
        for name in outs:
            if name == "leakers" and "leakers_ci_high" in o:
                half = (o["leakers_ci_high"] - o["leakers_ci_low"]) / 2.0
                row.append(f"{fmt(o['leakers'], 2)} ±{fmt(half, 2)}")
            else:
                row.append(fmt(o.get(name), 3))
        rows.append(row)
    caption = f"{res.name}: {res.design} design, {len(res.records):,} of {res.n_cells:,} cells"
    if len(shown) < len(res.records):
        caption += f" (first {len(shown):,} shown)"
    return html_table(header, rows, caption=caption, right=tuple(range(len(header)))[1:])


def sensitivity_by_output(res: StudyView) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """output -> [(factor, {measure: index dict})], factors in the study's order."""
    by: dict[tuple[str, str], dict[str, Any]] = {}
    for s in res.sensitivity or []:
        by.setdefault((s["output"], s["factor"]), {})[s["measure"]] = s
    outputs = list(dict.fromkeys(s["output"] for s in res.sensitivity or []))
    return {o: [(f, by[(o, f)]) for f in res.factors if (o, f) in by] for o in outputs}


def sensitivity_tables_html(res: StudyView) -> str:
    """One table per output: Sobol S1/ST or Morris mu*/mu/sigma with 95 % intervals,
    factors by decreasing total index (Sobol) or mu* (Morris)."""
    sobol = res.design == "sobol"
    cols = ("S1", "ST") if sobol else ("mu_star", "mu", "sigma")
    key = "ST" if sobol else "mu_star"
    parts = []
    for o, rows in sensitivity_by_output(res).items():
        rows = sorted(rows, key=lambda fr: -abs(fr[1][key]["value"]))
        body = []
        for f, m in rows:
            cells = [f]
            for c in cols:
                s = m[c]
                txt = fmt(s["value"], 3)
                if not math.isnan(s["low"]):
                    txt += f" [{fmt(s['low'], 3)}, {fmt(s['high'], 3)}]"
                cells.append(txt)
            body.append(cells)
        caption = (
            f"Sobol indices of {o} (95 % bootstrap intervals), by total index"
            if sobol
            else f"Morris screening of {o} (mu*: mean |elementary effect| per full range)"
        )
        parts.append(html_table(("factor", *cols), body, caption=caption, right=(1, 2, 3)))
    return "".join(parts)


def study_html(res: StudyView) -> str:
    """What a notebook shows for a study: a summary line, the cells, the indices."""
    done = len(res.records)
    summary = f"Study {res.name}: {res.design} design over {', '.join(res.factors)}; "
    summary += f"{done:,} of {res.n_cells:,} cells"
    if done < res.n_cells:
        summary += " (incomplete: run the study again to resume it)"
    if res.directory is not None:
        summary += f"; results in {res.directory}"
    return (
        f"<div><p>{html.escape(summary)}</p>{cells_table_html(res)}"
        f"{sensitivity_tables_html(res)}</div>"
    )
