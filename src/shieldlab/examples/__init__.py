"""Example files shipped with shieldlab: study files and a small WTA instance.

They are package data, so they work from any directory after ``pip install shieldlab``:
``shieldlab examples DIR`` copies them out (never over a file that is already there), and
``shieldlab study run NAME`` takes a study example by name (``study-sweep``).
``docs/examples`` in the source tree is a link to this directory.

``wta-8x16x2.txt`` is generated and notional (no benchmark data): 8 weapon types x 16
targets, 2 weapons a type, ``numpy.random.default_rng(20)``: target values
``integers(10, 101, 16)``, then kill probabilities ``uniform(0.2, 0.9, (8, 16))`` rounded
to 4 decimals (``tests/test_examples.py`` regenerates it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Example", "example_dir", "find_example", "list_examples"]

_SUFFIXES = (".yaml", ".txt", ".json")


@dataclass(frozen=True)
class Example:
    """One shipped example file."""

    name: str  # file name without its suffix: "study-sweep"
    path: Path
    description: str  # its first comment line, if any

    @property
    def kind(self) -> str:
        """``study`` or ``wta`` (told by the file name)."""
        return "study" if self.name.startswith("study-") else "wta"


def example_dir() -> Path:
    """The directory that holds the shipped examples."""
    return Path(__file__).resolve().parent


def _description(path: Path) -> str:
    if path.suffix != ".yaml":
        return "notional weapon-target assignment instance (benchmark text format)"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                return line.lstrip("# ").rstrip()
            break
    return ""


def list_examples() -> list[Example]:
    """Every shipped example, by file name."""
    return [
        Example(name=p.stem, path=p, description=_description(p))
        for p in sorted(example_dir().iterdir())
        if p.is_file() and p.suffix in _SUFFIXES
    ]


def find_example(name: str, kind: str | None = None) -> Example | None:
    """The example called ``name`` (with or without its suffix), or ``None``."""
    stem = Path(name).name
    for ex in list_examples():
        if stem in (ex.name, ex.path.name) and (kind is None or ex.kind == kind):
            return ex
    return None
