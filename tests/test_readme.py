"""Every command of the README parses as written, and the ones whose output or figures it
shows give them (issue 20, item 10: README figures had drifted from the code).

Fast by design: every ``shieldlab`` line of the README's console blocks is parsed by the
command-line parser itself (command names, options, choices, types: what a renamed option
or command breaks) without running; a representative subset runs -- the closed forms, whose
printed answers the README shows line for line, and the measured-fidelity chain
(``measured.yaml`` -> ``aimed.yaml`` -> ``noisy.yaml``), whose leakers it quotes.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from shieldlab.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_blocks() -> list[list[str]]:
    """The lines of every ```console block, backslash continuations joined."""
    blocks = re.findall(r"```console\n(.*?)```", README, flags=re.S)
    out = []
    for b in blocks:
        lines: list[str] = []
        for ln in b.splitlines():
            if lines and lines[-1].endswith("\\"):
                lines[-1] = lines[-1][:-1] + " " + ln.strip()
            else:
                lines.append(ln)
        out.append(lines)
    return out


def commands() -> list[list[str]]:
    """Each ``shieldlab ...`` command line (prompt and comment stripped), as argv."""
    found = []
    for block in console_blocks():
        in_heredoc = None
        for ln in block:
            if in_heredoc is not None:
                if ln.strip() == in_heredoc:
                    in_heredoc = None
                continue
            text = ln[2:] if ln.startswith("$ ") else ln
            here = re.search(r"<<'?(\w+)'?", text)
            if here:
                in_heredoc = here[1]
                continue
            argv = shlex.split(text, comments=True)
            if argv[:1] == ["shieldlab"]:
                cut = next((i for i, a in enumerate(argv) if a in ("|", ">", "&&")), len(argv))
                found.append(argv[1:cut])
    return found


def test_the_readme_has_commands() -> None:
    cmds = commands()
    assert len(cmds) > 40
    assert ["run"] in cmds and any(c[:2] == ["study", "run"] for c in cmds)


@pytest.mark.parametrize("argv", commands(), ids=lambda a: " ".join(a)[:60])
def test_every_readme_command_parses(argv: list[str]) -> None:
    """Command names, options and values as the parser takes them (nothing runs)."""
    cmd = typer.main.get_command(app)
    ctx = cmd.make_context("shieldlab", list(argv))
    while hasattr(cmd, "resolve_command"):
        rest = [*ctx._protected_args, *ctx.args]
        if not rest:
            break
        name, cmd, rest = cmd.resolve_command(ctx, rest)
        assert cmd is not None, argv
        ctx = cmd.make_context(name, rest, parent=ctx)
    assert not [a for a in argv if a.startswith("../")], "a file outside the repository"


def _shown_outputs() -> list[tuple[str, list[str]]]:
    """(``$ shieldlab analytic ...`` line, the output lines under it) pairs."""
    pairs = []
    for block in console_blocks():
        for i, ln in enumerate(block):
            if ln.startswith("$ shieldlab analytic "):
                out = []
                for nxt in block[i + 1 :]:
                    if nxt.startswith("$ "):
                        break
                    out.append(nxt)
                pairs.append((ln[2:], out))
    return pairs


def test_closed_form_answers_are_the_ones_shown() -> None:
    pairs = _shown_outputs()
    assert len(pairs) >= 8
    # one process for all of them (start-up once): each through the CLI's own main
    script = (
        "import sys, shlex, io, contextlib\n"
        "from shieldlab.cli.main import main\n"
        "for line in sys.stdin.read().splitlines():\n"
        "    buf = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        try:\n"
        "            main(shlex.split(line)[1:])\n"
        "        except SystemExit:\n"
        "            pass\n"
        "    print(buf.getvalue(), end='\\x00')\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", script],
        input="\n".join(cmd for cmd, _ in pairs),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    outputs = res.stdout.split("\x00")[:-1]
    for (cmd, shown), got in zip(pairs, outputs, strict=True):
        assert got.rstrip("\n").splitlines() == shown, cmd


def _run_json(path: Path, n: int) -> dict[str, object]:
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "run", str(path), "-n", str(n), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout)


def test_measured_fidelity_chain_gives_the_figures_quoted(tmp_path: Path) -> None:
    """The README's sed lines, run by bash as written, then the leakers it quotes."""
    lines = [
        ln[2:]
        for block in console_blocks()
        for ln in block
        if ln.startswith("$ ") and any(f in ln for f in ("measured.yaml", "aimed.yaml", "noisy"))
    ]
    makes = [ln for ln in lines if not ln.startswith("shieldlab ")]
    runs = [ln for ln in lines if ln.startswith("shieldlab run ")]
    assert len(makes) == 3 and len(runs) == 3
    for ln in makes:
        subprocess.run(
            ["bash", "-c", ln.replace("src/shieldlab/", f"{ROOT}/src/shieldlab/")],
            cwd=tmp_path,
            check=True,
        )
    for ln in runs:
        argv = shlex.split(ln, comments=True)
        quoted = re.search(r"# leakers ([\d.]+) \[([\d.]+), ([\d.]+)\]", ln)
        got = _run_json(tmp_path / argv[2], int(argv[argv.index("-n") + 1]))
        m = got["metrics"]["leakers"]  # type: ignore[index]
        if quoted is not None:
            assert f"{m['mean']:.2f}" == quoted[1], ln  # type: ignore[index]
            assert [f"{v:.2f}" for v in m["ci95"]] == [quoted[2], quoted[3]], ln  # type: ignore[index]
        without = re.search(r"; ([\d.]+) without", ln)
        if without is not None:
            base = _run_json(tmp_path / "measured.yaml", int(argv[argv.index("-n") + 1]))
            assert f"{base['metrics']['leakers']['mean']:.2f}" == without[1]  # type: ignore[index]


def test_the_quoted_headline_is_what_plain_run_prints() -> None:
    quoted = re.search(r'plain `shieldlab run`: "(In .*?)"\)', README, flags=re.S)
    assert quoted is not None
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "run"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert res.stdout.splitlines()[0] == " ".join(quoted[1].split())


def test_tracking_example_as_written(tmp_path: Path) -> None:
    """The README's tracking block run by bash (heredoc included), the line it shows."""
    block = next(b for b in console_blocks() if any("shieldlab track" in ln for ln in b))
    script, shown = [], None
    for i, ln in enumerate(block):
        if ln.startswith("$ "):
            script.append(ln[2:])
            if ln.startswith("$ shieldlab track") and shown is None:
                shown = block[i + 1]
        elif not script or not script[-1].startswith("shieldlab track"):
            script.append(ln)  # heredoc body
    first_track = next(k for k, s in enumerate(script) if s.startswith("shieldlab track"))
    bin_dir = Path(sys.executable).parent
    res = subprocess.run(
        ["bash", "-c", "\n".join(script[: first_track + 1])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert shown is not None
    timing = re.compile(r"\(\d+\.\d+ s\)$")
    assert timing.sub("", res.stdout.strip()) == timing.sub("", shown)
