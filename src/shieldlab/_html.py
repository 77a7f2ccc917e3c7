"""Stand-alone plotly HTML pages with a real ``<title>`` (plotly writes an empty head)."""

from __future__ import annotations

import html
from typing import Any


def figure_title(fig: Any, default: str = "shieldlab") -> str:
    """The figure's layout title text, else ``default``."""
    try:
        text = fig.layout.title.text
    except AttributeError:
        text = None
    return str(text) if text else default


def with_title(page: str, title: str) -> str:
    """``page`` (a full HTML document) with ``<title>title</title>`` in its head."""
    tag = f"<title>{html.escape(title)}</title>"
    head_end = page.find("</head>")
    if head_end >= 0 and "<title>" in page[:head_end]:
        return page  # (plotly.js itself holds SVG <title>s: look in the head only)
    if "<head>" in page:
        return page.replace("<head>", f"<head>{tag}", 1)
    return page.replace("<html>", f"<html><head>{tag}</head>", 1)


def figure_page(fig: Any, *, include_plotlyjs: bool | str = True, title: str | None = None) -> str:
    """A plotly figure as one full HTML page whose ``<title>`` is its title."""
    page = fig.to_html(include_plotlyjs=include_plotlyjs, full_html=True)
    return with_title(page, title or figure_title(fig))


def html_table(
    header: list[str] | tuple[str, ...],
    rows: list[list[str]] | list[tuple[str, ...]],
    *,
    caption: str = "",
    right: tuple[int, ...] = (),
) -> str:
    """An HTML ``<table>`` of text cells (every cell and the caption escaped).

    ``right``: indices of the columns aligned right (numbers). The notebook display
    (``_repr_html_``) of results, curves and studies is built from these.
    """

    def cell(tag: str, j: int, text: str) -> str:
        style = " style='text-align:right'" if j in right else ""
        return f"<{tag}{style}>{html.escape(text)}</{tag}>"

    head = "<tr>" + "".join(cell("th", j, h) for j, h in enumerate(header)) + "</tr>"
    body = "".join(
        "<tr>" + "".join(cell("td", j, c) for j, c in enumerate(r)) + "</tr>" for r in rows
    )
    cap = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead>{head}</thead><tbody>{body}</tbody></table>"
