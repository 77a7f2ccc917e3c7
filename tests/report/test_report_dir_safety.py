"""--report DIR never deletes a user's files (issue 21, item 1).

Before, any directory holding a file named report.json (even "x") was replaced whole, so
``mkdir p; echo x > p/report.json; echo keep > p/thesis.tex; shieldlab run --report p``
deleted thesis.tex; a symlinked --report was replaced by a directory and a hidden
``.link.*.old`` left beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldlab.cli import main as cli_main
from shieldlab.errors import InputError
from shieldlab.report.document import STAMP, Report, check_report_dir


def _report(text: str = "hello") -> Report:
    r = Report("t")
    r.add_text(text, section="S")
    return r


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _tree(d: Path) -> dict[str, str]:
    return {p.relative_to(d).as_posix(): p.read_text() for p in d.rglob("*") if p.is_file()}


def test_a_users_report_json_does_not_make_the_directory_replaceable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "p"
    (p / "chapters").mkdir(parents=True)
    (p / "report.json").write_text("x\n")
    (p / "thesis.tex").write_text("keep\n")
    (p / "chapters" / "one.tex").write_text("keep too\n")
    before = _tree(p)
    with pytest.raises(InputError, match="neither empty nor a report shieldlab wrote"):
        _report().write(p)
    code, out, err = _cli(capsys, "run", "single-battery", "-n", "10", "--report", str(p))
    assert code == 2 and "--report" in err and len(err.strip().splitlines()) == 1
    assert out == ""  # refused before the run
    assert _tree(p) == before


def test_a_user_file_added_to_a_shieldlab_report_blocks_the_rerun(tmp_path: Path) -> None:
    p = tmp_path / "r"
    _report("first").write(p)
    assert (p / STAMP).is_file()
    _report("second").write(p)  # its own report: replaced
    assert "second" in (p / "index.html").read_text()
    (p / "notes.txt").write_text("mine\n")
    with pytest.raises(InputError):
        _report("third").write(p)
    assert (p / "notes.txt").read_text() == "mine\n"
    assert "second" in (p / "index.html").read_text()
    # A forged or broken stamp is no proof either.
    (p / "notes.txt").unlink()
    (p / STAMP).write_text("{}")
    with pytest.raises(InputError):
        _report("third").write(p)


def test_report_through_a_symlink_writes_into_the_target_and_keeps_the_link(
    tmp_path: Path,
) -> None:
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    for text in ("first", "second"):
        _report(text).write(link)
        assert link.is_symlink() and link.resolve() == target.resolve()
        assert text in (target / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]  # no .link.*.old


def test_dangling_link_and_current_directory_exit_2_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dangling = tmp_path / "gone"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="dangling"):
        check_report_dir(dangling)
    code, out, err = _cli(capsys, "run", "single-battery", "-n", "10", "--report", str(dangling))
    assert code == 2 and "dangling" in err and out == ""
    assert not (tmp_path / "nowhere").exists()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for d in (".", "..", str(work)):
        with pytest.raises(InputError, match="current directory"):
            check_report_dir(d)
    code, out, err = _cli(capsys, "run", "single-battery", "-n", "10", "--report", ".")
    assert code == 2 and "current directory" in err and out == ""
