"""Notebook display (``_repr_html_``) of run results: the shared cell formatting.

Plain HTML strings (no plotting library): Jupyter renders them as tables. Each result
class renders itself next to its definition (``results``, ``compare``, ``studies``) with
these helpers; this module knows none of those classes, so it sits below all of them in
the import graph (docs/architecture.md, "No import cycles").
"""

from __future__ import annotations

import html
import math

__all__ = ["num", "table_html"]


def num(x: float) -> str:
    """A number as table text: four significant digits, ``-`` when not finite."""
    if not math.isfinite(x):
        return "-"
    return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"


def table_html(rows: list[tuple[str, str, str, str]], caption: str) -> str:
    """An HTML table of (group, metric, mean, interval) rows."""
    head = "<tr><th>group</th><th>metric</th><th>mean</th><th>95 % interval</th></tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return (
        f"<table><caption style='text-align:left'>{html.escape(caption)}</caption>"
        f"<thead>{head}</thead><tbody>{body}</tbody></table>"
    )
