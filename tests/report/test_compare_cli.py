"""``shieldlab compare A B``: table, --json, the HTML report in a real browser, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shieldlab.cli import main as cli_main

BUILTIN = Path(__file__).parents[2] / "src" / "shieldlab" / "scenario" / "builtin"


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("cmp")
    text = (BUILTIN / "single-battery.yaml").read_text()
    (d / "a.yaml").write_text(text)
    assert "salvo_size: 2" in text
    (d / "b.yaml").write_text(text.replace("salvo_size: 2", "salvo_size: 3"))
    return d / "a.yaml", d / "b.yaml"


def test_table_and_json(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    # wide enough for the file labels whatever the temporary path (longer under xdist)
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = call(capsys, "compare", str(a), str(b), "-n", "500", "--seed", "2")
    assert code == 0
    assert "B - A" in out and "leakers" in out and "var. reduction" in out
    assert str(a) in out  # same scenario name: labelled by the files
    code, out, _ = call(capsys, "compare", str(a), str(b), "-n", "500", "--seed", "2", "--json")
    assert code == 0
    d = json.loads(out)
    lk = d["differences"]["leakers"]
    assert lk["diff"] == pytest.approx(lk["b"] - lk["a"], abs=1e-12)
    assert lk["ci95"][0] < lk["diff"] < lk["ci95"][1] and lk["significant"] is True
    assert d["seed"] == 2 and d["replications"] == 500


def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = call(capsys, "compare", "single-battery", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in err and "Traceback" not in err
    code, _, err = call(capsys, "compare", "single-battery", "single-battery", "-n", "0")
    assert code == 2 and "--replications" in err


def test_html_report_renders_in_a_real_browser(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path], tmp_path: Path, render: object
) -> None:
    pytest.importorskip("plotly")
    a, b = pair
    code, out, _ = call(
        capsys, "compare", str(a), str(b), "-n", "400", "--json", "--report", str(tmp_path / "r")
    )
    assert code == 0
    index = Path(json.loads(out)["report"])
    html = index.read_text()
    assert "<title>shieldlab compare" in html
    page = render(  # type: ignore[operator]
        index,
        """
        const divs = [...document.querySelectorAll('.plotly-graph-div')];
        return {
          figures: divs.length,
          points: divs.map(d => d.querySelectorAll('.scatterlayer .point').length),
          tables: document.querySelectorAll('table').length,
          remote: performance.getEntriesByType('resource')
                    .map(e => e.name).filter(n => !n.startsWith('file:')),
        };
        """,
    )
    assert page.errors == [], page.errors
    assert page.probe["figures"] == 1 and page.probe["points"][0] > 3
    assert page.probe["tables"] >= 1 and page.probe["remote"] == []
