"""Access to the published reference values in ``<repo>/../shared/reference``.

The values are not copied into the project: tests read the tables of
``PUBLISHED_VALUES.md`` (or ``$SHIELDLAB_SHARED/reference/PUBLISHED_VALUES.md``) and skip
with a clear reason when the file is absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[2]


def _published_path() -> Path | None:
    candidates = []
    if os.environ.get("SHIELDLAB_SHARED"):
        candidates.append(Path(os.environ["SHIELDLAB_SHARED"]) / "reference")
    # <repo>/../shared, and one level further up for git worktrees kept in a subfolder.
    candidates.extend(p / "shared" / "reference" for p in (_REPO.parent, _REPO.parent.parent))
    for c in candidates:
        if (c / "PUBLISHED_VALUES.md").is_file():
            return c / "PUBLISHED_VALUES.md"
    return None


def _table_after(text: str, heading: str, marker: str) -> list[list[float]]:
    """Numeric rows of the first markdown table after ``heading`` and then ``marker``."""
    start = text.index(heading)
    start = text.index(marker, start)
    rows: list[list[float]] = []
    in_table = False
    for line in text[start:].splitlines():
        if line.startswith("|"):
            in_table = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            try:
                rows.append([float(c) for c in cells])
            except ValueError:
                continue  # header or separator row
        elif in_table:
            break
    return rows


@pytest.fixture(scope="session")
def published_table() -> Callable[[str, str], list[list[float]]]:
    """``published_table(heading, marker)``: rows of floats, or skip if the file is absent."""
    path = _published_path()
    if path is None:
        pytest.skip(
            "shared reference ../shared/reference/PUBLISHED_VALUES.md not found "
            "(set SHIELDLAB_SHARED to the shared directory)"
        )
    text = path.read_text(encoding="utf-8")

    def get(heading: str, marker: str) -> list[list[float]]:
        rows = _table_after(text, heading, marker)
        assert rows, f"no numeric table under {heading!r} in {path}"
        return rows

    return get
