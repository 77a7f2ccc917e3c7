"""scenario.yamlio: every way a file can be unusable is ONE InputError naming file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shieldlab.errors import InputError
from shieldlab.scenario.yamlio import (
    DEFAULT_MAX_BYTES,
    LineMap,
    PathValueError,
    load_yaml,
    load_yaml_text,
    validate,
)


def _err(path: Path, **kw: int) -> InputError:
    with pytest.raises(InputError) as exc:
        load_yaml(path, **kw)
    return exc.value


def test_missing_file(tmp_path: Path) -> None:
    e = _err(tmp_path / "nope.yaml")
    assert e.location.file == str(tmp_path / "nope.yaml")
    assert "file not found" in e.message


def test_directory(tmp_path: Path) -> None:
    e = _err(tmp_path)
    assert "directory" in e.message


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in _err(fifo).message


def test_empty_file(write) -> None:
    e = _err(write(""))
    assert "empty" in e.message


def test_whitespace_only_file(write) -> None:
    assert "empty" in _err(write("  \n\n")).message


def test_comments_only_file(write) -> None:
    assert "no YAML document" in _err(write("# just a comment\n")).message


def test_binary_file_with_nul_bytes(write) -> None:
    e = _err(write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert "binary" in e.message


def test_non_utf8_file_names_line(write) -> None:
    e = _err(write(b"a: 1\nb: caf\xe9\n"))
    assert "UTF-8" in e.message
    assert e.location.line == 2


def test_control_character_is_not_yaml(write) -> None:
    e = _err(write("a: 1\nb: \x07\n"))
    assert "control character U+0007" in e.message
    assert e.location.line == 2


def test_malformed_yaml_names_its_line(write) -> None:
    e = _err(write("a: 1\nb: [1, 2\nc: 3\n"))
    assert e.message.startswith("malformed YAML")
    assert e.location.line == 3


def test_bad_indentation_names_its_line(write) -> None:
    e = _err(write("a: 1\n  b: 2\n"))
    assert e.message.startswith("malformed YAML")
    assert e.location.line == 2


def test_two_documents_are_refused(write) -> None:
    e = _err(write("a: 1\n---\nb: 2\n"))
    assert e.message.startswith("malformed YAML")


def test_python_tags_are_refused_safely(write) -> None:
    e = _err(write("a: !!python/object/apply:os.system ['true']\n"))
    assert "constructor" in e.message
    assert e.location.line == 1


def test_duplicate_keys_name_both_lines(write) -> None:
    e = _err(write("a: 1\nb:\n  c: 1\n  c: 2\n"))
    assert e.message == "duplicate key 'c' (first given on line 3)"
    assert e.location.line == 4
    assert e.location.field == "b.c"


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just a string\n", "42\n"])
def test_top_level_must_be_a_mapping(write, text: str) -> None:
    e = _err(write(text))
    assert "top level must be a mapping" in e.message


def test_size_limit(write) -> None:
    p = write("a: " + "x" * 100 + "\n")
    e = _err(p, max_bytes=50)
    assert "over the size limit of 50 bytes" in e.message
    assert load_yaml(p, max_bytes=200)[0]["a"] == "x" * 100


def test_default_size_limit_is_one_mebibyte(write) -> None:
    assert DEFAULT_MAX_BYTES == 1024 * 1024
    big = write("a: 1\n" + "# padding\n" * (DEFAULT_MAX_BYTES // 10 + 1))
    assert os.path.getsize(big) > DEFAULT_MAX_BYTES
    assert "over the size limit" in _err(big).message


def test_utf8_bom_is_accepted(write) -> None:
    data, _ = load_yaml(write("\ufeffa: 1\n".encode()))
    assert data == {"a": 1}


def test_numbers_as_people_write_them() -> None:
    # YAML 1.1 would read 1e9 and 3.0e6 as strings; we read them as YAML 1.2 does.
    data, _ = load_yaml_text("a: [1e9, 3.0e6, 1.0e-6, 2, .5, 1_000, +1E+3, '1e3', 1.2.3]\n")
    assert data["a"] == [1e9, 3e6, 1e-6, 2, 0.5, 1000, 1000.0, "1e3", "1.2.3"]
    assert isinstance(data["a"][3], int)


def test_linemap_records_every_key_and_item() -> None:
    text = "a: 1\nb:\n  - x: 1\n    y: 2\n  - x: 3\nc: {d: 4}\n"
    data, lm = load_yaml_text(text, file="t.yaml")
    assert data == {"a": 1, "b": [{"x": 1, "y": 2}, {"x": 3}], "c": {"d": 4}}
    assert lm.exact(("a",)) == 1
    assert lm.exact(("b", 0)) == 3
    assert lm.exact(("b", 0, "y")) == 4
    assert lm.exact(("b", 1, "x")) == 5
    assert lm.exact(("c", "d")) == 6
    # A path with no line of its own falls back to its nearest ancestor.
    assert lm.line_for(("b", 1, "missing")) == 5
    assert LineMap().line_for(("x",)) is None


def _alias_levels(levels: int) -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        lines.append(f"l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_small_aliases_are_fine_and_linemap_walks_each_node_once() -> None:
    data, lm = load_yaml_text(_alias_levels(3))
    assert data["l3"][0][0][0][0] == "x"
    assert len(lm.lines) < 100


def test_alias_bomb_is_refused() -> None:
    # Nine levels of nine aliases stand for 9**10 values: refuse, quickly.
    with pytest.raises(InputError, match="aliases expand to more than"):
        load_yaml_text(_alias_levels(9))


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "x: 1\na: &a {b: [1, *a]}\n"])
def test_recursive_alias_is_refused_with_its_line(text: str) -> None:
    # A node holding an alias to itself would recurse without end in validation.
    with pytest.raises(InputError, match="recursive structure") as exc:
        load_yaml_text(text, file="r.yaml")
    assert exc.value.location.file == "r.yaml"
    assert exc.value.location.line == text.count("\n")


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lo: float = Field(ge=0)
    hi: float

    @model_validator(mode="after")
    def _order(self) -> _Inner:
        if self.lo > self.hi:
            raise PathValueError("lo is above hi", path=("lo",))
        return self


class _Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[_Inner]


def _verr(text: str) -> InputError:
    data, lm = load_yaml_text(text, file="m.yaml")
    with pytest.raises(InputError) as exc:
        validate(_Outer, data, lm, "m.yaml")
    return exc.value


def test_validate_unknown_field_lists_allowed() -> None:
    e = _verr("items:\n  - lo: 1\n    hi: 2\n    hx: 3\n")
    assert str(e) == "m.yaml:4, field 'items.0.hx': unknown field 'hx'; allowed: lo, hi"


def test_validate_unknown_field_reported_before_missing() -> None:
    # A misspelling causes both; the unknown key is the useful message.
    e = _verr("items:\n  - lo: 1\n    hx: 3\n")
    assert e.location.field == "items.0.hx"
    assert "(and 1 more problem)" in e.message


def test_validate_missing_field_names_parent_line() -> None:
    e = _verr("items:\n  - lo: 1\n    hi: 2\n  - lo: 1\n")
    assert e.message == "missing required field"
    assert (e.location.line, e.location.field) == (4, "items.1.hi")


def test_validate_bound_message_says_the_limit() -> None:
    e = _verr("items:\n  - lo: -1\n    hi: 2\n")
    assert e.message == "must be >= 0 (got -1)"
    assert (e.location.line, e.location.field) == (2, "items.0.lo")


def test_validate_cross_field_error_points_at_the_field() -> None:
    e = _verr("items:\n  - lo: 0\n    hi: 1\n  - hi: 1\n    lo: 5\n")
    assert str(e) == "m.yaml:5, field 'items.1.lo': lo is above hi"


def test_validate_wrong_type() -> None:
    e = _verr("items: {a: 1}\n")
    assert e.location.field == "items"
    assert e.location.line == 1


# --- values PyYAML parses but cannot construct (issue 10, item 1) -------------------------


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        # Was ValueError (Python's 4,300-digit limit) -> internal error, exit 1.
        ("a: 1\nb:\n  c: " + "9" * 5000 + "\n", 3, "b.c", "5000 digits"),
        ("a: -" + "1" * 4301 + "\n", 1, "a", "too large"),
        ("a: !!int '" + "1" * 5000 + "'\n", 1, "a", "too large"),
        ("a: [1, " + "7" * 101 + "]\n", 1, "a.1", "too large"),
        ("a: 0x" + "f" * 100 + "\n", 1, "a", "too large"),  # not bounded by its digits
        ("a: 1\n? " + "1" * 5000 + "\n: 2\n", 2, "1111", "too large"),  # a key
        ("a: 1e999999\n", 1, "a", "overflows"),
        ("a: -1" + "0" * 400 + ".0\n", 1, "a", "overflows"),
        ("a: !!int x\n", 1, "a", "as an integer"),
        ("a: !!float x\n", 1, "a", "as a number"),
        ("a: !!timestamp 2020-13-45\n", 1, "a", "not supported"),
        ("a: !!binary AAAA\n", 1, "a", "not supported"),
        ("a: !!set {x}\n", 1, "a", "not supported"),
        ("a: !!omap [{x: 1}]\n", 1, "a", "not supported"),
        ('a: "\\ud800"\n', 1, "a", "surrogate"),
        ('a: "\\e[2J"\n', 1, "a", "U+001B"),
        ('a: "x\\0"\n', 1, "a", "U+0000"),
    ],
)
def test_unconstructible_values_are_input_errors(
    text: str, line: int, field: str, words: str
) -> None:
    with pytest.raises(InputError) as exc:
        load_yaml_text(text, file="f.yaml")
    e = exc.value
    assert words in e.message
    assert (e.location.file, e.location.line) == ("f.yaml", line)
    assert e.location.field is not None and e.location.field.startswith(field)
    assert len(str(e)) < 300 and "\n" not in str(e)


def test_a_big_integer_in_a_file_is_exit_2(tmp_path: Path, capsys) -> None:
    from shieldlab.cli.main import main

    f = tmp_path / "s.yaml"
    f.write_text("schema_version: 1\nname: " + "9" * 5000 + "\n")
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(f)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{f}:2, field 'name'" in err


def test_nesting_deeper_than_the_limit_names_its_line() -> None:
    from shieldlab.scenario.yamlio import MAX_NESTING

    text = "a:\n" + "".join("  " * i + "- \n" for i in range(1, MAX_NESTING + 5))
    with pytest.raises(InputError) as exc:
        load_yaml_text(text)
    assert "nesting deeper than" in exc.value.message
    assert exc.value.location.line == MAX_NESTING + 1
    flow = "a: " + "[" * 50_000 + "]" * 50_000 + "\n"  # far past the recursion limit
    with pytest.raises(InputError, match="nesting deeper"):
        load_yaml_text(flow)


def test_deep_but_allowed_nesting_reads() -> None:
    from shieldlab.scenario.yamlio import MAX_NESTING

    text = "a: " + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1) + "\n"
    data, _ = load_yaml_text(text)
    depth, cur = 0, data["a"]
    while cur:
        cur, depth = cur[0], depth + 1
    assert depth == MAX_NESTING - 2


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: 2020-01-01\n", "2020-01-01"),  # dates stay strings (no field is a date)
        ("a: .inf\n", float("inf")),  # an explicit infinity is left to the model's bounds
        ("a: 0x_ff\n", 255),
        ("a: 1_000\n", 1000),
        ("a: " + "9" * 100 + "\n", int("9" * 100)),
        ("a: |\n  x\n  y\n", "x\ny\n"),
        ('a: "tab\\there"\n', "tab\there"),
    ],
)
def test_ordinary_values_still_read(text: str, value: object) -> None:
    assert load_yaml_text(text)[0]["a"] == value


@pytest.mark.parametrize("s", ["1e5", "1E5", "-2e-3", ".5", "1e500", "2020-01-01", "Inf"])
def test_dump_yaml_quotes_strings_the_reader_would_take_for_numbers(s: str) -> None:
    from shieldlab.scenario.yamlio import dump_yaml

    assert load_yaml_text(dump_yaml({"name": s, "n": 3.0}))[0] == {"name": s, "n": 3.0}
