"""Errors that the command line turns into one clear message and exit status 2.

Every problem with what a user gave us (a file, an option, a value) is an
:class:`InputError`. It names the file, the line (when known) and the field path, so
that the message tells the user exactly what to fix. Anything else that escapes is an
internal error: exit status 1, one line, full traceback only with ``--debug``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class Location:
    """Where a bad value sits: file, 1-based line (if known) and dotted field path."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.field:
            # A command-line option is named as such; anything else is a field path.
            if self.field.startswith("-"):
                parts.append(f"option {self.field}")
            else:
                parts.append(f"field '{self.field}'")
        return ", ".join(parts)


class InputError(Exception):
    """A problem with user input: reported as one line, exit status 2, no traceback."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.location = Location(file=None if file is None else str(file), line=line, field=field)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.location)
        return f"{where}: {self.message}" if where else self.message
