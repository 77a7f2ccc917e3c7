"""Report builder invariants (hypothesis): any text is escaped, any cell is shown without
raw booleans, report.json holds exactly the tables of the page, sections keep their order."""

from __future__ import annotations

import html
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.report.document import Report, fmt_cell

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
titles = st.text(min_size=1, max_size=15)


@given(cells)
def test_cells_never_show_raw_booleans(v: object) -> None:
    shown = fmt_cell(v)  # type: ignore[arg-type]
    if isinstance(v, bool):
        assert shown in ("yes", "no")
    elif isinstance(v, float):
        assert shown not in ("True", "False") and "nan" not in shown.lower()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(titles, st.lists(st.lists(cells, min_size=2, max_size=2), max_size=4), titles),
        min_size=1,
        max_size=4,
    )
)
def test_any_tables_render_escaped_and_match_report_json(
    tables: list[tuple[str, list[list[object]], str]],
) -> None:
    rep = Report("<b>t</b>")
    for section, rows, title in tables:
        rep.add_table(title + "<script>", ["a", "b"], rows, section=section)  # type: ignore[arg-type]
    page, files = rep.render()
    assert "<script" not in page  # every user string is escaped; no figure, no plotly.js
    body = page[page.index("<body>") :]
    meta = json.loads(files["report.json"])
    assert [t["title"] for t in meta["tables"]] == [
        t.title
        for s in rep.sections
        for t in s.blocks  # type: ignore[union-attr]
    ]
    for t in meta["tables"]:
        for r in t["rows"]:
            for c in r:
                assert html.escape(c) in body
    # Sections appear in first-added order.
    order = list(dict.fromkeys(s for s, _, _ in tables))
    assert [s.title for s in rep.sections] == order
    anchors = rep.anchors()
    assert len(set(anchors)) == len(anchors)  # unique, even for titles that slug alike
    positions = [body.index(f'id="{a}"') for a in anchors]
    assert positions == sorted(positions)
