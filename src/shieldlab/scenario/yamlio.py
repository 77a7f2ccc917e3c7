"""Safe YAML reading that remembers where every value came from, and validation that says so.

:func:`load_yaml` reads a YAML file with PyYAML's safe loader and returns the data together
with a :class:`LineMap`: the 1-based line of every mapping key and sequence item, keyed by
its path (``("raid", "waves", 2, "count")``). :func:`validate` turns a pydantic
``ValidationError`` into ONE :class:`~shieldlab.errors.InputError` naming the file, the line
and the dotted field path (``raid.waves.2.count``), so a user learns exactly what to fix.

Every way a file can be unusable -- missing, a directory, empty, binary or not UTF-8, over
the size limit, malformed YAML, duplicate keys, nesting deeper than :data:`MAX_NESTING`,
alias bombs, a value YAML parses but cannot construct (an integer of more than
:data:`MAX_INT_DIGITS` digits, a float overflow, ``!!int x``, an unsupported tag, a string
with a control character), a top level that is not a mapping -- is one ``InputError`` with
a message that says which (and the line and field of a bad value). The size limit
(:data:`DEFAULT_MAX_BYTES`, 1 MiB) guards against accidental multi-gigabyte inputs; every
shipped scenario is a few kB.

Used for scenarios, and reused for postures (stability) and sensor files (tracking).
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from shieldlab.errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "LineMap",
    "PathValueError",
    "dotted",
    "dump_yaml",
    "load_yaml",
    "load_yaml_text",
    "validate",
]

#: Largest input file accepted, in bytes (1 MiB). Documented in docs/scenario.md.
DEFAULT_MAX_BYTES = 1024 * 1024

PathElem = str | int
Path_ = tuple[PathElem, ...]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, kw_only=True)
class LineMap:
    """1-based line of every mapping key and sequence item, keyed by its path in the data.

    ``lines[()]`` is the line where the document starts. :meth:`line_for` falls back to the
    nearest ancestor that has a line (a missing field is reported at its parent's line).
    """

    lines: dict[Path_, int] = field(default_factory=dict)

    def line_for(self, path: Sequence[PathElem]) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one (``None`` if none)."""
        p = tuple(path)
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            p = p[:-1]

    def exact(self, path: Sequence[PathElem]) -> int | None:
        """Line of exactly ``path`` (no fallback)."""
        return self.lines.get(tuple(path))


class PathValueError(ValueError):
    """A ``ValueError`` raised inside a pydantic validator that knows which sub-field is bad.

    Cross-field validators (``min_range_m`` above ``max_range_m``, an aimpoint naming no
    asset) raise this with the path *relative to the model being validated*; :func:`validate`
    appends it to pydantic's location so the message names the exact field and its line.
    """

    def __init__(self, message: str, *, path: Sequence[PathElem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path: Path_ = tuple(path)


def dotted(path: Iterable[PathElem]) -> str:
    """``("raid", "waves", 2, "count")`` -> ``"raid.waves.2.count"``."""
    return ".".join(str(p) for p in path)


def _describe(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    if data is None:
        return "null"
    if isinstance(data, str):
        return "a string"
    if isinstance(data, bool):
        return "a boolean"
    if isinstance(data, int | float):
        return "a number"
    return type(data).__name__


def _key_id(node: yaml.Node) -> Hashable:
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value)
    return ("node", id(node))


_MERGE_TAG = "tag:yaml.org,2002:merge"
_FLOAT_TAG = "tag:yaml.org,2002:float"


#: Deepest nesting of mappings and lists a file may have (a scenario needs about 6).
MAX_NESTING = 100
#: Most decimal digits of an integer (Python refuses to read more than 4,300; no field
#: needs more than 19: seeds are below 2**63).
MAX_INT_DIGITS = 100

_INT_TAG = "tag:yaml.org,2002:int"
_STR_TAG = "tag:yaml.org,2002:str"
# Tags PyYAML's safe loader knows but no shieldlab file uses: a value of these types would
# reach validation as an object (bytes, a date, a set) no field expects. Refused by name.
_UNSUPPORTED_TAGS = (
    "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:set",
    "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs",
)
# C0/C1 control characters other than tab and newline: they can only enter a value through
# a double-quoted escape ("\x1b[2J"), and would then be printed to the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _ValueError(yaml.constructor.ConstructorError):
    """A scalar YAML could parse but not turn into a value; remembers its node."""

    def __init__(self, problem: str, node: yaml.Node) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.node = node


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, reading ``1e9`` and ``3.0e6`` as numbers, with guards.

    YAML 1.1 (PyYAML) reads an exponent without a sign, or a mantissa without a dot, as a
    string; people write ``2e6`` for two million, and YAML 1.2 agrees with them. Dates are
    read as strings (no field is a date). Every value that cannot be constructed -- an
    integer of more than :data:`MAX_INT_DIGITS` digits, a number that overflows a float,
    ``!!int x``, a string with an unpaired surrogate or a control character -- and nesting
    deeper than :data:`MAX_NESTING` raise a YAML error carrying the node's position, so the
    reader reports file, line and field instead of crashing.
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nesting deeper than {MAX_NESTING} levels of mappings and lists",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node.tag in _UNSUPPORTED_TAGS:
            raise _ValueError(f"the YAML tag '{node.tag}' is not supported here", node)
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG:
            digits = sum(c.isdigit() for c in node.value)
            if digits > MAX_INT_DIGITS:
                raise _ValueError(
                    f"integer of {digits} digits is too large (at most {MAX_INT_DIGITS})", node
                )
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError, ArithmeticError) as exc:
            # PyYAML's constructors call int(), float() and datetime() unguarded.
            what = _short(repr(node.value)) if isinstance(node, yaml.ScalarNode) else "value"
            raise _ValueError(
                f"cannot read {what} as {_tag_name(node.tag)}: {_short(str(exc), 80)}", node
            ) from None
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(value, node)
        return value


def _tag_name(tag: str) -> str:
    return {"tag:yaml.org,2002:int": "an integer", "tag:yaml.org,2002:float": "a number"}.get(
        tag, f"'{tag}'"
    )


def _check_scalar(value: object, node: yaml.ScalarNode) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        # Hexadecimal, octal and sexagesimal integers are not bounded by their digits.
        if abs(value) >= 10**MAX_INT_DIGITS:
            raise _ValueError(f"integer is too large (more than {MAX_INT_DIGITS} digits)", node)
    elif isinstance(value, float):
        if math.isinf(value) and "inf" not in node.value.lower():
            raise _ValueError(
                f"number {_short(node.value)} is too large (overflows a 64-bit float)", node
            )
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _ValueError(
                "string holds an unpaired surrogate escape (not a Unicode character)", node
            ) from None
        bad = _CONTROL.search(value)
        if bad is not None:
            raise _ValueError(
                f"string holds control character U+{ord(bad.group()):04X} "
                "(only tab and newline are allowed)",
                node,
            )


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else f"{text[:n]}... ({len(text)} characters)"


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx) for tag, rx in resolvers if tag not in (_FLOAT_TAG, "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
        |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting what :class:`_Loader` would read as something else.

    PyYAML's own dumper writes the string ``"1e5"`` unquoted (a string in YAML 1.1), which
    this reader takes for a number; with the reader's resolvers it is quoted.
    """


_Dumper.yaml_implicit_resolvers = {
    first: list(resolvers) for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}


def dump_yaml(data: Any) -> str:
    """``data`` as YAML text that :func:`load_yaml_text` reads back unchanged (keys in order)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


#: Most values a document may expand to once aliases are followed ("billion laughs" guard).
MAX_EXPANDED_VALUES = 1_000_000


def _expanded_size(node: yaml.Node, memo: dict[int, int], file: str) -> int:
    """Number of values ``node`` stands for once every alias is expanded (memoised).

    An alias inside the node it names (``a: &x [*x]``) makes a recursive structure that
    no scenario field can hold: it is refused here, with its line.
    """
    key = id(node)
    if key in memo:
        if memo[key] < 0:
            raise InputError(
                "a YAML alias refers to the node that contains it (recursive structure)",
                file=file,
                line=node.start_mark.line + 1,
            )
        return memo[key]
    memo[key] = -1  # in progress
    if isinstance(node, yaml.MappingNode):
        n = 1 + sum(
            _expanded_size(k, memo, file) + _expanded_size(v, memo, file) for k, v in node.value
        )
    elif isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_size(v, memo, file) for v in node.value)
    else:
        n = 1
    memo[key] = n
    return n


def _path_key(node: yaml.ScalarNode) -> PathElem:
    # A key the YAML reads as an integer is an int in the data (and in pydantic's loc).
    digits = node.value.lstrip("+-")
    if node.tag == _INT_TAG and digits.isdigit() and len(digits) <= MAX_INT_DIGITS:
        return int(node.value)
    return str(node.value)


def _record_lines(root: yaml.Node, file: str, paths: dict[int, Path_]) -> dict[Path_, int]:
    """Walk the composed node tree: record lines, and reject duplicate keys.

    Each node is visited once (YAML aliases can make a small file describe an
    exponentially large tree; visiting by identity keeps this linear in the file size).
    ``paths`` receives the path of every node (by ``id``), to name the field of a value
    that fails to construct.
    """
    lines: dict[Path_, int] = {(): root.start_mark.line + 1}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        paths[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            keys: dict[Hashable, int] = {}
            for key_node, value_node in node.value:
                kid = _key_id(key_node)
                line = key_node.start_mark.line + 1
                if kid in keys:
                    name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                    raise InputError(
                        f"duplicate key '{name}' (first given on line {keys[kid]})",
                        file=file,
                        line=line,
                        field=dotted((*path, name)),
                    )
                keys[kid] = line
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                    child = (*path, _path_key(key_node))
                    lines.setdefault(child, line)
                    paths.setdefault(id(key_node), child)
                    stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child = (*path, i)
                lines.setdefault(child, item.start_mark.line + 1)
                stack.append((item, child))
    return lines


def load_yaml_text(
    text: str, *, file: str | Path = "<string>", require_mapping: bool = True
) -> tuple[Any, LineMap]:
    """Parse YAML ``text`` safely; return ``(data, LineMap)``. Errors are ``InputError``."""
    fname = str(file)
    if not text.strip():
        raise InputError("file is empty (expected a YAML mapping of fields)", file=fname)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        raise InputError(
            f"not YAML text: control character U+{code:04X} is not allowed (binary file?)",
            file=fname,
            line=text[: exc.position].count("\n") + 1,
        ) from None
    paths: dict[int, Path_] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("file has no YAML document (only comments or blank lines)", file=fname)
        lines = _record_lines(node, fname, paths)
        if _expanded_size(node, {}, fname) > MAX_EXPANDED_VALUES:
            # Validation walks the expanded tree; refuse before it takes forever.
            raise InputError(
                f"YAML aliases expand to more than {MAX_EXPANDED_VALUES} values", file=fname
            )
        data = loader.construct_document(node)
    except _ValueError as exc:
        path = paths.get(id(exc.node))
        raise InputError(
            str(exc.problem),
            file=fname,
            line=exc.node.start_mark.line + 1,
            field=_short(dotted(path), 80) if path else None,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = "; ".join(s for s in (exc.context, exc.problem) if s) or "syntax error"
        raise InputError(
            f"malformed YAML: {what}", file=fname, line=None if mark is None else mark.line + 1
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", file=fname) from None
    except RecursionError:  # pragma: no cover - MAX_NESTING stops nesting long before
        raise InputError("YAML nesting is too deep", file=fname) from None
    finally:
        loader.dispose()
    if require_mapping and not isinstance(data, dict):
        raise InputError(
            f"top level must be a mapping of fields (key: value), got {_describe(data)}",
            file=fname,
            line=lines.get(()),
        )
    return data, LineMap(lines=lines)


def load_yaml(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, require_mapping: bool = True
) -> tuple[Any, LineMap]:
    """Read a YAML file safely; return ``(data, LineMap)``.

    Raises :class:`~shieldlab.errors.InputError` for a missing file, a directory, a file
    over ``max_bytes``, an empty file, a binary or non-UTF-8 file, malformed YAML (with its
    line), duplicate keys, or (with ``require_mapping``) a top level that is not a mapping.
    """
    p = Path(path)
    fname = str(path)
    try:
        if p.is_dir():
            raise InputError("is a directory, expected a YAML file", file=fname)
        if p.exists() and not p.is_file():
            # A FIFO or device could block or never end; only regular files are read.
            raise InputError("not a regular file, expected a YAML file", file=fname)
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"file is {size} bytes, over the size limit of {max_bytes} bytes", file=fname
            )
        with p.open("rb") as fh:
            # Read one byte past the limit: the file may grow between stat and read.
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("file not found", file=fname) from None
    except PermissionError:
        raise InputError("permission denied: cannot read the file", file=fname) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a YAML file", file=fname) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=fname) from None
    if len(raw) > max_bytes:
        raise InputError(f"file is over the size limit of {max_bytes} bytes", file=fname)
    if b"\x00" in raw:
        raise InputError("binary file (contains NUL bytes), expected YAML text", file=fname)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (undecodable byte 0x{raw[exc.start]:02x}); binary file?",
            file=fname,
            line=line,
        ) from None
    return load_yaml_text(text, file=fname, require_mapping=require_mapping)


def _data_path(data: Any, loc: Sequence[PathElem]) -> Path_:
    """Map a pydantic error location onto a path that exists in ``data``.

    Pydantic locations can contain elements that are not in the data (a tagged union's
    tag, ``function-after[...]``); they are dropped. The last element is always kept: for
    a missing field it names the field even though the field has no line of its own.
    """
    out: list[PathElem] = []
    cur: Any = data
    for i, elem in enumerate(loc):
        in_list = isinstance(cur, list) and isinstance(elem, int) and 0 <= elem < len(cur)
        if (isinstance(cur, dict) and elem in cur) or in_list:
            out.append(elem)
            cur = cur[elem]
        elif i == len(loc) - 1:
            out.append(elem)  # a missing field: named, though it has no line of its own
        # else: a union tag or validator name that is not a key of the data; skip it
    return tuple(out)


def _message(err: dict[str, Any], model_fields: Sequence[str] | None) -> str:
    etype = err.get("type", "")
    if etype == "extra_forbidden":
        name = err["loc"][-1] if err.get("loc") else "?"
        allowed = f"; allowed: {', '.join(model_fields)}" if model_fields else ""
        return f"unknown field '{name}'{allowed}"
    if etype == "missing":
        return "missing required field"
    if etype == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"got {err.get('input')!r}, expected one of {expected}"
    bounds = {
        "greater_than": ("gt", ">"),
        "greater_than_equal": ("ge", ">="),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if etype in bounds:
        key, op = bounds[etype]
        limit = err.get("ctx", {}).get(key)
        shown = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"must be {op} {shown} (got {err.get('input')!r})"
    msg = str(err.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def _allowed_fields(model_cls: type[BaseModel], loc: Sequence[PathElem]) -> list[str] | None:
    """Field names of the (sub)model at ``loc[:-1]``, walking the model's annotations."""
    from typing import Union, get_args, get_origin

    cls: Any = model_cls
    for elem in loc[:-1]:
        if isinstance(elem, int) or not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            if isinstance(elem, int):
                continue
            return None
        info = cls.model_fields.get(elem)
        if info is None:
            continue
        ann: Any = info.annotation
        # Unwrap Optional[...], list[...], tuple[..., ...], dict[str, ...].
        for _ in range(4):
            origin = get_origin(ann)
            if origin is None:
                break
            args = [a for a in get_args(ann) if a is not type(None) and a is not Ellipsis]
            if origin is Union or str(origin) == "<class 'types.UnionType'>":
                models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
                ann = models[0] if len(models) == 1 else (args[0] if len(args) == 1 else None)
            elif args:
                ann = args[-1]
            else:
                break
        cls = ann
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return None


def validate(
    model_cls: type[M],
    data: Any,
    linemap: LineMap | None,
    file: str | Path | None,
    *,
    context: dict[str, Any] | None = None,
    base_path: Sequence[PathElem] = (),
) -> M:
    """Validate ``data`` against ``model_cls``; a failure becomes ONE ``InputError``.

    The first pydantic error (unknown fields first) is reported with the file, the line of
    the offending key (or of its nearest ancestor, for a missing field) and the dotted field
    path. ``base_path`` says where ``data`` sits in the file ``linemap`` describes, when it
    is a part of a larger document.
    """
    try:
        return model_cls.model_validate(data, context=context)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # An unknown key usually explains a "missing" one beside it (a misspelling), so
        # unknown keys are reported first; otherwise pydantic's order (the schema's).
        ordered = sorted(errors, key=lambda e: e.get("type") != "extra_forbidden")
        err: dict[str, Any] = dict(ordered[0])
        loc: list[PathElem] = list(err.get("loc", ()))
        original = err.get("ctx", {}).get("error")
        if isinstance(original, PathValueError):
            loc.extend(original.path)
            message = original.message
        else:
            message = _message(
                err,
                _allowed_fields(model_cls, loc) if err.get("type") == "extra_forbidden" else None,
            )
        path = (*base_path, *_data_path(data, loc))
        line = linemap.line_for(path) if linemap is not None else None
        more = len(errors) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise InputError(
            message, file=None if file is None else str(file), line=line, field=dotted(path) or None
        ) from None
