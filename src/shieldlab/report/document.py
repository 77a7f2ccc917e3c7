"""A report as a list of sections, each a list of blocks; written as one offline HTML file.

:class:`Report` is the builder every report uses: ``add_section`` opens (or reopens) a
section, ``add_text``/``add_table``/``add_figure``/``add_code`` append blocks to it, and
:meth:`Report.write` renders the whole report into a directory::

    DIR/index.html          the report; opens offline (no network, no CDN)
    DIR/plotly.min.js       only with plotlyjs="file" (default: one inline copy in the HTML)
    DIR/figures/NN-slug.png a static image of every figure given one
    DIR/report.json         what the report says, for machines (tables and metadata)

plotly.js is written ONCE per report whatever the number of figures (each figure is a
``<div>`` and a ``Plotly.newPlot`` call; ``include_plotlyjs=False``). Writing is atomic:
everything goes into a temporary directory beside ``DIR`` that is renamed into place at
the end, so an error part-way leaves no half-written report and an older report in
``DIR`` intact.

plotly and matplotlib are optional (the ``[plot]`` extra); they are imported only when
a figure is rendered, through :func:`shieldlab._optional.require`.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from shieldlab._io import check_utf8_name, output_errors, probe_directory, temp_prefix
from shieldlab._optional import require
from shieldlab.errors import InputError

__all__ = [
    "MARKER",
    "Code",
    "Figure",
    "Report",
    "Section",
    "Table",
    "Text",
    "check_report_dir",
]

#: What the report says, for machines.
MARKER = "report.json"

#: The file that proves shieldlab wrote a directory: it lists every file shieldlab put
#: there. A rerun replaces a directory only when the stamp is valid and the directory holds
#: nothing else, so a user's files are never deleted (issue 21, item 1).
STAMP = ".shieldlab-report"
_STAMP_KIND = "shieldlab report directory"

#: What a table cell may hold; floats are shown with 4 significant digits, bools as yes/no.
Cell = str | int | float | bool | None


@dataclass(kw_only=True)
class Text:
    """A paragraph of plain text (escaped; blank lines start new paragraphs)."""

    text: str


@dataclass(kw_only=True)
class Code:
    """A preformatted block, such as the command that reruns the report."""

    title: str
    text: str


@dataclass(kw_only=True)
class Table:
    """A table with a title, column names, rows of cells and an optional caption."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""


@dataclass(kw_only=True)
class Figure:
    """An interactive plotly figure, with an optional static PNG written beside the HTML.

    ``png`` is PNG bytes, the path of an existing PNG file (copied), or a matplotlib
    ``Figure`` (rendered with Agg at 110 dpi).
    """

    title: str
    figure: Any
    png: bytes | str | Path | Any | None = None
    caption: str = ""


Block = Text | Code | Table | Figure


@dataclass(kw_only=True)
class Section:
    """A titled section: its blocks, in order."""

    title: str
    blocks: list[Block] = field(default_factory=list)


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:40] or "x"


def fmt_cell(v: Cell) -> str:
    """How a table shows a value: no raw booleans, 4 significant digits, '-' for none."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != v:
            return "n/a"
        if v in (float("inf"), float("-inf")):
            return "∞" if v > 0 else "-∞"
        return f"{v:,.4g}" if abs(v) < 1e15 else f"{v:.4g}"
    return str(v)


class Report:
    """A report under construction; see the module docstring for the files it writes.

    Sections keep the order they were first added in; ``add_section(title)`` on an
    existing title makes it current again, and ``before=`` places a new section ahead of
    an existing one, so a caller can add a figure to any part of a report built elsewhere::

        rep = run_report(...)                        # shieldlab.report.run
        rep.add_figure("Theatre map", fig, png=png_bytes, section="Theatre",
                       before="Parameter cards", caption="Batteries, rings and tracks.")
        rep.write("out/report")
    """

    def __init__(self, title: str, *, subtitle: str = "", meta: dict[str, Any] | None = None):
        self.title = title
        self.subtitle = subtitle
        #: JSON-ready data written to ``report.json`` (tables are added automatically).
        self.meta: dict[str, Any] = dict(meta or {})
        self.sections: list[Section] = []
        self._current: Section | None = None

    # -- building ---------------------------------------------------------------------------
    def section(self, title: str) -> Section | None:
        """The section of that title, if any."""
        return next((s for s in self.sections if s.title == title), None)

    def add_section(self, title: str, *, before: str | None = None) -> Section:
        """Open the section ``title`` (created if new, at the end or ``before`` another)."""
        sec = self.section(title)
        if sec is None:
            sec = Section(title=title)
            ahead = self.section(before) if before is not None else None
            if ahead is None:
                self.sections.append(sec)
            else:
                self.sections.insert(self.sections.index(ahead), sec)
        self._current = sec
        return sec

    def _target(self, section: str | None, before: str | None) -> Section:
        if section is not None:
            return self.add_section(section, before=before)
        if self._current is None:
            return self.add_section("Report")
        return self._current

    def add_text(self, text: str, *, section: str | None = None) -> None:
        """Append a paragraph (plain text, escaped)."""
        self._target(section, None).blocks.append(Text(text=text))

    def add_code(self, title: str, text: str, *, section: str | None = None) -> None:
        """Append a preformatted block (a command line, a file)."""
        self._target(section, None).blocks.append(Code(title=title, text=text))

    def add_table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        *,
        caption: str = "",
        section: str | None = None,
    ) -> None:
        """Append a table; every row must have one cell per column."""
        for r in rows:
            if len(r) != len(columns):
                raise ValueError(
                    f"table {title!r}: row {r!r} has {len(r)} cells, not {len(columns)}"
                )
        self._target(section, None).blocks.append(
            Table(title=title, columns=list(columns), rows=[list(r) for r in rows], caption=caption)
        )

    def add_figure(
        self,
        title: str,
        figure: Any,
        *,
        png: bytes | str | Path | Any | None = None,
        caption: str = "",
        section: str | None = None,
        before: str | None = None,
    ) -> None:
        """Append a plotly figure (``plotly.graph_objects.Figure``) and, optionally, its PNG.

        ``png``: PNG bytes, a path to a PNG file, or a matplotlib Figure. ``section`` and
        ``before`` as for :meth:`add_section` (default: the current section).
        """
        if not hasattr(figure, "to_plotly_json"):
            raise TypeError(f"figure {title!r} is not a plotly figure: {type(figure).__name__}")
        self._target(section, before).blocks.append(
            Figure(title=title, figure=figure, png=png, caption=caption)
        )

    def anchors(self) -> list[str]:
        """The HTML id of each section, in order: a slug of its title, made unique."""
        seen: set[str] = set()
        out = []
        for sec in self.sections:
            base = "sec-" + _slug(sec.title)
            a, n = base, 1
            while a in seen:
                n += 1
                a = f"{base}-{n}"
            seen.add(a)
            out.append(a)
        return out

    @property
    def figures(self) -> list[Figure]:
        """Every figure, in report order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    # -- writing ----------------------------------------------------------------------------
    def render(
        self, *, plotlyjs: Literal["inline", "file"] = "inline"
    ) -> tuple[str, dict[str, bytes]]:
        """The HTML text and the other files (relative path -> bytes) of the report."""
        files: dict[str, bytes] = {}
        body: list[str] = []
        toc: list[str] = []
        n_fig = 0
        tables: list[dict[str, Any]] = []
        figures_meta: list[dict[str, Any]] = []
        for sec, anchor in zip(self.sections, self.anchors(), strict=True):
            toc.append(f'<li><a href="#{anchor}">{html.escape(sec.title)}</a></li>')
            body.append(f'<section id="{anchor}">\n<h2>{html.escape(sec.title)}</h2>')
            for b in sec.blocks:
                if isinstance(b, Text):
                    for para in b.text.split("\n\n"):
                        body.append(f"<p>{html.escape(para)}</p>")
                elif isinstance(b, Code):
                    body.append(
                        f"<h3>{html.escape(b.title)}</h3>\n<pre><code>{html.escape(b.text)}"
                        "</code></pre>"
                    )
                elif isinstance(b, Table):
                    body.append(_table_html(b))
                    tables.append(
                        {
                            "section": sec.title,
                            "title": b.title,
                            "columns": b.columns,
                            "rows": [[fmt_cell(c) for c in r] for r in b.rows],
                        }
                    )
                else:
                    n_fig += 1
                    fid = f"fig-{n_fig:02d}"
                    png_name = None
                    if b.png is not None:
                        png_name = f"figures/{n_fig:02d}-{_slug(b.title)}.png"
                        files[png_name] = _png_bytes(b.png)
                    body.append(_figure_html(b, fid, png_name))
                    figures_meta.append({"id": fid, "title": b.title, "png": png_name})
            body.append("</section>")
        script = ""  # a report without figures needs no plotly.js (nor plotly)
        if n_fig:
            offline = require("plotly.offline", feature="an HTML report")
            js = offline.get_plotlyjs()
            if plotlyjs == "file":
                files["plotly.min.js"] = js.encode("utf-8")
                script = '<script src="plotly.min.js" charset="utf-8"></script>'
            else:
                script = f'<script type="text/javascript">{js}</script>'
        sub = f"<p class='subtitle'>{html.escape(self.subtitle)}</p>" if self.subtitle else ""
        page = _PAGE.format(
            title=html.escape(self.title),
            subtitle=sub,
            style=_STYLE,
            plotlyjs=script,
            toc="\n".join(toc),
            body="\n".join(body),
        )
        meta = {**self.meta, "title": self.title, "tables": tables, "figures": figures_meta}
        files[MARKER] = (json.dumps(_json_safe(meta), indent=2) + "\n").encode("utf-8")
        stamp = {"kind": _STAMP_KIND, "files": sorted([*files, "index.html", STAMP])}
        files[STAMP] = (json.dumps(stamp) + "\n").encode("utf-8")
        return page, files

    def write(
        self, directory: str | Path, *, plotlyjs: Literal["inline", "file"] = "inline"
    ) -> Path:
        """Write the report into ``directory`` atomically; return the path of index.html.

        ``directory`` must not exist, be empty, or hold an earlier shieldlab report and
        nothing else (which is replaced); see :func:`check_report_dir`. Through a symlink
        the report goes into the link's target and the link stays.
        """
        target = check_report_dir(directory)
        page, files = self.render(plotlyjs=plotlyjs)
        with output_errors(directory, "--report"):  # a full disk: one line, exit 2
            return self._write(target, page, files)

    def _write(self, target: Path, page: str, files: dict[str, bytes]) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(
            tempfile.mkdtemp(prefix=temp_prefix(target.name), suffix=".tmp", dir=target.parent)
        )
        old: Path | None = None
        try:
            (tmp / "figures").mkdir()
            for rel, data in files.items():
                (tmp / rel).write_bytes(data)
            (tmp / "index.html").write_text(page, encoding="utf-8")
            mode = 0o777 & ~_umask()
            os.chmod(tmp, mode)
            if target.exists():
                old = Path(
                    tempfile.mkdtemp(
                        prefix=temp_prefix(target.name), suffix=".old", dir=target.parent
                    )
                )
                old.rmdir()
                os.replace(target, old)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if old is not None and not target.exists():
                os.replace(old, target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return target / "index.html"


def _written_by_shieldlab(d: Path) -> bool:
    """Whether ``d`` holds a valid stamp and only the files the stamp lists."""
    try:
        stamp = json.loads((d / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict) or stamp.get("kind") != _STAMP_KIND:
        return False
    listed = stamp.get("files")
    if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
        return False
    allowed = set(listed)
    for root, dirs, names in os.walk(d):
        rel = Path(root).relative_to(d)
        for name in names:
            if (rel / name).as_posix() not in allowed:
                return False
        for name in dirs:
            sub = (rel / name).as_posix()
            if sub != "figures" or (Path(root) / name).is_symlink():
                return False
    return True


def check_report_dir(directory: str | Path) -> Path:
    """Fail early (InputError, field --report) if ``directory`` cannot take a report.

    Returns the directory to write: a symlink's target (so the link is kept).
    """
    check_utf8_name(str(directory), "--report")
    given = Path(directory)
    if given.is_symlink() and not given.exists():
        raise InputError(f"{str(given)!r} is a dangling symbolic link", field="--report")
    d = given.resolve() if given.is_symlink() else given
    here = Path.cwd().resolve()
    if d.resolve() == here or d.resolve() in here.parents:
        raise InputError(
            f"{str(given)!r} is the current directory or holds it; choose a new directory",
            field="--report",
        )
    if d.exists():
        if not d.is_dir():
            raise InputError(f"{str(given)!r} exists and is not a directory", field="--report")
        entries = list(d.iterdir())
        if entries and not _written_by_shieldlab(d):
            raise InputError(
                f"{str(given)!r} is neither empty nor a report shieldlab wrote (holding only "
                "its files); choose a new or empty directory",
                field="--report",
            )
    parent = d.absolute().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(
            f"cannot write {str(given)!r}: {str(probe)!r} is not a directory", field="--report"
        )
    # Permissions, read-only file systems, full disks: a small file tells (root included).
    probe_directory(probe, given, "--report")
    return d


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, float) and obj in (float("inf"), float("-inf")):
        return None
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return _json_safe(obj.item())
    return obj


def _png_bytes(png: Any) -> bytes:
    if isinstance(png, bytes):
        return png
    if isinstance(png, str | Path):
        return Path(png).read_bytes()
    if hasattr(png, "savefig"):
        buf = io.BytesIO()
        png.savefig(buf, format="png", dpi=110)
        return buf.getvalue()
    raise TypeError(f"png must be bytes, a path or a matplotlib Figure, not {type(png).__name__}")


def _table_html(t: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    rows = []
    for r in t.rows:
        cells = []
        for i, v in enumerate(r):
            num = isinstance(v, int | float) and not isinstance(v, bool)
            cls = ' class="num"' if num and i > 0 else ""
            cells.append(f"<td{cls}>{html.escape(fmt_cell(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<p class='caption'>{html.escape(t.caption)}</p>" if t.caption else ""
    return (
        f"<h3>{html.escape(t.title)}</h3>\n<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + f"\n</tbody>\n</table>\n{cap}"
    )


def _figure_html(f: Figure, fid: str, png_name: str | None) -> str:
    pio = require("plotly.io", feature="an HTML report")
    div = pio.to_html(
        f.figure,
        include_plotlyjs=False,
        full_html=False,
        div_id=fid,
        config={"displaylogo": False, "responsive": True},
    )
    link = f" <a href='{png_name}'>PNG</a>" if png_name else ""
    cap = html.escape(f.caption)
    return (
        f"<figure class='plot' id='{fid}-box'>\n<h3>{html.escape(f.title)}</h3>\n{div}\n"
        f"<figcaption>{cap}{link}</figcaption>\n</figure>"
    )


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1em 2em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } .subtitle { color: #555; margin-top: 0; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 0.3em; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.caption, figcaption { color: #555; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
figure.plot { margin: 1em 0; } nav ul { columns: 2; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
{plotlyjs}
</head>
<body>
<h1>{title}</h1>
{subtitle}
<nav><ul>
{toc}
</ul></nav>
{body}
</body>
</html>
"""
