"""The study file (``version: 1``): a base, factors, a design, replications and a seed.

A study file is YAML, read with :func:`shieldlab.scenario.yamlio.load_yaml` and validated
with :func:`shieldlab.scenario.yamlio.validate`, so every problem is ONE
:class:`~shieldlab.errors.InputError` naming the file, the line and the field
(``factors.1.range``), exit status 2. The JSON Schema is :func:`study_file_schema`
(``shieldlab schema --study``). The syntax is documented in docs/study.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shieldlab.errors import InputError
from shieldlab.scenario.yamlio import LineMap, PathValueError, load_yaml, validate

__all__ = [
    "DESIGN_KINDS",
    "MAX_CELLS",
    "STUDY_VERSION",
    "Base",
    "Design",
    "Factor",
    "Study",
    "StudyFile",
    "load_study",
    "study_file_schema",
]

STUDY_VERSION = 1
#: Most cells a study may have: far above any study of this kind; catches typos.
MAX_CELLS = 1_000_000
MAX_FACTORS = 200
MAX_REPLICATIONS = 100_000_000

DESIGN_KINDS = ("grid", "list", "random", "lhs", "sobol", "morris")
Scalar = float | int | bool | str | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Base(_Model):
    """What every cell starts from: a scenario, a posture, or both.

    ``scenario``: a built-in name or a file (relative to the study file). ``posture``: a
    built-in posture name or a file; with a scenario too, each cell's engine result stands
    in for the ``defender``'s defence in the first-strike stability index (docs/study.md).
    """

    scenario: str | None = Field(default=None, min_length=1)
    posture: str | None = Field(default=None, min_length=1)
    defender: Literal["blue", "red"] = Field(
        default="blue", description="side whose defence the scenario stands for"
    )

    @model_validator(mode="after")
    def _one(self) -> Base:
        if self.scenario is None and self.posture is None:
            raise PathValueError("give a scenario, a posture, or both", path=("scenario",))
        return self


class Factor(_Model):
    """One factor: where it acts (a path or a card field), how, and its levels or range."""

    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z][A-Za-z0-9_]*$",
        description="column name in the results (default: from the path)",
    )
    path: str | None = Field(
        default=None,
        min_length=1,
        description="scenario field path, e.g. interceptor_types.*.sspk.ballistic, "
        "raid.waves.decoys.count, raid.size, batteries.count, posture.blue.defence.sspk",
    )
    card: str | None = Field(
        default=None, min_length=1, description="a catalog card the base scenario uses"
    )
    field: str | None = Field(
        default=None, min_length=1, description="with card: the card's field, e.g. sspk.ballistic"
    )
    op: Literal["set", "scale"] = Field(
        default="set", description="set the value, or scale (multiply) the base value"
    )
    values: Annotated[list[Scalar], Field(min_length=1, max_length=100_000)] | None = Field(
        default=None, description="levels (grid) or one value per cell (list)"
    )
    range: Literal["card"] | Annotated[list[float], Field(min_length=2, max_length=2)] | None = (
        Field(
            default=None,
            description="[low, high], or 'card' for the card's low/high (sampled designs)",
        )
    )
    steps: int | None = Field(
        default=None, ge=2, le=10_000, description="grid: evenly spaced levels over range"
    )
    integer: bool | None = Field(
        default=None, description="round drawn values (default: when the base value is an int)"
    )

    @model_validator(mode="after")
    def _where(self) -> Factor:
        if (self.path is None) == (self.card is None):
            raise PathValueError("give either path or card (with field)", path=("path",))
        if self.card is not None and self.field is None:
            raise PathValueError("a card factor needs field (the card's field)", path=("field",))
        if self.card is None and self.field is not None:
            raise PathValueError("field goes with card", path=("field",))
        if isinstance(self.range, list) and not self.range[0] < self.range[1]:
            raise PathValueError(
                f"low ({self.range[0]:g}) must be below high ({self.range[1]:g})",
                path=("range",),
            )
        if self.values is not None and self.range is not None:
            raise PathValueError("give values or range, not both", path=("range",))
        if self.steps is not None and self.range is None:
            raise PathValueError("steps needs range", path=("steps",))
        return self

    @property
    def where(self) -> str:
        """The path or ``card:field`` this factor acts on."""
        return self.path if self.path is not None else f"{self.card}:{self.field}"


class Design(_Model):
    """How cells are laid out over the factors.

    ``grid``: every combination of the factors' levels. ``list``: the i-th value of every
    factor makes cell i. ``random``: ``samples`` independent uniform draws over the
    ranges; ``lhs``: a Latin hypercube of ``samples`` cells (scipy.stats.qmc).
    ``sobol``: Saltelli's A/B/AB design for Sobol indices on a scrambled Sobol sequence,
    ``samples`` (a power of 2) base rows, ``samples × (factors + 2)`` cells. ``morris``:
    ``samples`` Morris trajectories on a ``levels``-level grid, ``samples × (factors +
    1)`` cells.
    """

    kind: Literal["grid", "list", "random", "lhs", "sobol", "morris"] = "grid"
    samples: int | None = Field(default=None, ge=1, le=MAX_CELLS)
    levels: int = Field(default=4, ge=2, le=100, description="morris: grid levels (even)")
    bootstrap: int = Field(
        default=1000, ge=0, le=100_000, description="bootstrap resamples for index intervals"
    )

    @model_validator(mode="after")
    def _samples(self) -> Design:
        sampled = self.kind in ("random", "lhs", "sobol", "morris")
        if sampled and self.samples is None:
            raise PathValueError(f"a {self.kind} design needs samples", path=("samples",))
        if not sampled and self.samples is not None:
            raise PathValueError(
                f"samples does not apply to a {self.kind} design", path=("samples",)
            )
        if self.kind == "sobol" and self.samples is not None:
            n = self.samples
            if n < 2 or n & (n - 1):
                raise PathValueError(
                    f"a sobol design needs a power of 2 samples (balance of the Sobol "
                    f"sequence), got {n}",
                    path=("samples",),
                )
        if self.kind == "morris" and self.levels % 2:
            raise PathValueError(
                f"morris levels must be even (Morris 1991), got {self.levels}", path=("levels",)
            )
        return self


class Study(_Model):
    """A study file (``version: 1``)."""

    version: Literal[1] = Field(description="study file format version; must be 1")
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    description: str = ""
    base: Base
    factors: Annotated[list[Factor], Field(min_length=1, max_length=MAX_FACTORS)]
    design: Design = Design()
    replications: int = Field(default=1000, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=0, ge=0, lt=2**63)
    common_random_numbers: bool = Field(
        default=False,
        description="every cell uses the study seed (paired comparisons) instead of its own",
    )

    @model_validator(mode="after")
    def _check(self) -> Study:
        seen: dict[str, int] = {}
        for i, f in enumerate(self.factors):
            if (
                self.design.kind in ("grid", "list")
                and f.values is None
                and (self.design.kind == "list" or f.steps is None)
            ):
                need = "values" if self.design.kind == "list" else "values, or range and steps"
                raise PathValueError(
                    f"a {self.design.kind} design needs {need}", path=("factors", i, "values")
                )
            if self.design.kind not in ("grid", "list"):
                if f.range is None:
                    raise PathValueError(
                        f"a {self.design.kind} design draws from a range: give range "
                        "([low, high] or 'card')",
                        path=("factors", i, "range"),
                    )
                if f.steps is not None:
                    raise PathValueError(
                        "steps applies to grid designs", path=("factors", i, "steps")
                    )
            if f.name is not None:
                if f.name in seen:
                    raise PathValueError(
                        f"duplicate factor name '{f.name}' (also factors.{seen[f.name]})",
                        path=("factors", i, "name"),
                    )
                seen[f.name] = i
        if self.design.kind == "list":
            lengths = {len(f.values or ()) for f in self.factors}
            if len(lengths) > 1:
                raise PathValueError(
                    "a list design needs the same number of values for every factor "
                    f"(got {', '.join(str(len(f.values or ())) for f in self.factors)})",
                    path=("factors",),
                )
        if self.base.scenario is None:
            for i, f in enumerate(self.factors):
                if f.card is not None or not (f.path or "").startswith("posture."):
                    raise PathValueError(
                        "a posture-only study varies posture fields (path: posture....)",
                        path=("factors", i, "path" if f.card is None else "card"),
                    )
        return self


@dataclass(frozen=True, kw_only=True)
class StudyFile:
    """A validated study, where it came from and its line map (for messages)."""

    study: Study
    file: str | None
    lines: LineMap
    directory: Path

    def line(self, *path: str | int) -> int | None:
        """Line of a field of the study file (or of its nearest ancestor)."""
        return self.lines.line_for(path)

    def error(self, message: str, *path: str | int) -> InputError:
        """An :class:`InputError` at ``path`` of the study file."""
        return InputError(
            message, file=self.file, line=self.line(*path), field=".".join(map(str, path))
        )


def study_from_data(data: Any, linemap: LineMap | None, file: str | Path | None) -> StudyFile:
    """Validate parsed study data."""
    fname = None if file is None else str(file)
    if isinstance(data, dict) and "version" in data:
        v = data["version"]
        if type(v) is not int or v != STUDY_VERSION:
            raise InputError(
                f"unsupported study version {v!r}; this shieldlab reads version {STUDY_VERSION}",
                file=fname,
                line=None if linemap is None else linemap.line_for(("version",)),
                field="version",
            )
    study = validate(Study, data, linemap, fname)
    directory = Path(fname).resolve().parent if fname is not None else Path.cwd()
    return StudyFile(study=study, file=fname, lines=linemap or LineMap(), directory=directory)


def load_study(path: str | Path) -> StudyFile:
    """Read and validate a study file: one :class:`InputError` (file, line, field) if bad.

    A name that is not a file but names a shipped example (``study-sweep``, see
    ``shieldlab examples``) loads that example, so the examples work from any directory.
    """
    path = resolve_study_path(path)
    data, linemap = load_yaml(path)
    return study_from_data(data, linemap, path)


def resolve_study_path(path: str | Path) -> str | Path:
    """``path`` itself, or the shipped study example it names when no such file exists."""
    p = Path(path)
    if p.exists() or len(p.parts) != 1:
        return path
    from shieldlab.examples import find_example

    ex = find_example(p.name, kind="study")
    return path if ex is None else ex.path


def with_replications(sf: StudyFile, replications: int) -> StudyFile:
    """The study with its replications per cell replaced (``study run --replications``)."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError(
            f"must be between 1 and {MAX_REPLICATIONS:,}, got {replications}",
            field="--replications",
        )
    study = sf.study.model_copy(update={"replications": replications})
    return replace(sf, study=study)


def study_file_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a study file."""
    schema = Study.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "shieldlab study file (version 1)"
    return schema
