"""``shieldlab run --report DIR``: the files, what they say, atomic writes, a real browser."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shieldlab.cli import main as cli_main
from shieldlab.errors import InputError
from shieldlab.report.document import Report, check_report_dir

BUILTIN = Path(__file__).parents[2] / "src" / "shieldlab" / "scenario" / "builtin"
REPS = "300"


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report of a scenario file (so the SHA-256 and file path appear), reused."""
    d = tmp_path_factory.mktemp("rep") / "report"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "shieldlab.cli.main",
            "run",
            str(BUILTIN / "four-batteries.yaml"),
            "-n",
            REPS,
            "--seed",
            "7",
            "--json",
            "--report",
            str(d),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["report"] == str(d / "index.html")
    return d


def test_files_and_plotlyjs_written_once(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text()
    meta = json.loads((report_dir / "report.json").read_text())
    pngs = sorted((report_dir / "figures").glob("*.png"))
    assert len(pngs) == len(meta["figures"]) >= 3
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # One copy of plotly.js (its licence banner opens the bundle) however many figures.
    assert html.count("plotly.js v") == 1
    assert html.count("Plotly.newPlot(") == len(meta["figures"])
    # Everything but the bundle (tables, five figures' data) is far smaller than a second
    # copy of it would be.
    first = html.index("<script")
    bundle = html.index("</script>", first) - first
    assert bundle > 3_000_000 and len(html) - bundle < 1_500_000
    # Offline: no script, style or image is loaded from anywhere else.
    assert re.search(r"<script[^>]*\bsrc=", html) is None
    start = html.index("<script")  # the plotly.js bundle (it names URLs in its own strings)
    ours = html[:start] + html[html.index("</script>", start) :]
    assert re.search(r"""(src|href)=["']?https?:""", ours) is None


def test_report_holds_results_cards_seed_versions_and_command(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text()
    meta = json.loads((report_dir / "report.json").read_text())
    assert meta["seed"] == 7 and meta["replications"] == int(REPS)
    # The numbers in the tables are the run's numbers: rerun the CLI with --json and compare.
    src = BUILTIN / "four-batteries.yaml"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "shieldlab.cli.main",
            "run",
            str(src),
            "-n",
            REPS,
            "--seed",
            "7",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    again = json.loads(res.stdout)
    assert meta["results"]["metrics"] == again["metrics"]
    leak = again["metrics"]["leakers"]
    lo, hi = leak["ci95"]
    assert f"{leak['mean']:,.2f}" in html and f"[{lo:,.2f}, {hi:,.2f}]" in html
    # Parameter cards with their sources.
    assert "s400-class-battery" in html and "NOTIONAL" in html
    cards = [t for t in meta["tables"] if t["section"] == "Parameter cards"]
    assert cards and all(r[-1] for t in cards for r in t["rows"])  # every value has a source
    # Versions and the rerun command.
    for lib in ("numpy", "numba", "scipy", "shieldlab"):
        assert meta["versions"][lib] in html
    assert meta["command"].startswith("shieldlab run ") and "--seed 7" in meta["command"]
    assert f"--replications {REPS}" in meta["command"] and meta["command"] in html
    import hashlib

    assert meta["scenario_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    # No raw booleans in any table.
    for t in meta["tables"]:
        for r in t["rows"]:
            assert "True" not in r and "False" not in r


THEATRE_FIGURES = {"Theatre map", "Engagement timeline"}


def test_report_renders_in_a_real_browser(report_dir: Path, render: object) -> None:
    page = render(  # type: ignore[operator]
        report_dir / "index.html",
        """
        const divs = [...document.querySelectorAll('.plotly-graph-div')];
        return {
          figures: divs.length,
          with_svg: divs.filter(d => d.querySelector('svg.main-svg')).length,
          bars: divs.map(d => d.querySelectorAll('.bars .point').length),
          marks: divs.map(d => d.querySelectorAll(
            '.scatterlayer .point, .scatterlayer .js-line').length),
          xtitles: divs.map(d => (d.querySelector('.g-xtitle') || {}).textContent || ''),
          ytitles: divs.map(d => (d.querySelector('.g-ytitle') || {}).textContent || ''),
          tables: document.querySelectorAll('table').length,
          remote: performance.getEntriesByType('resource')
                    .map(e => e.name).filter(n => !n.startsWith('file:')),
        };
        """,
    )
    meta = json.loads((report_dir / "report.json").read_text())
    assert page.errors == [], page.errors
    p = page.probe
    assert p["figures"] == len(meta["figures"]) == p["with_svg"]
    # The bar charts draw bars; the theatre map and timeline draw markers and lines.
    titles = [f["title"] for f in meta["figures"]]
    drawn = {
        t: (b if t not in THEATRE_FIGURES else m)
        for t, b, m in zip(titles, p["bars"], p["marks"], strict=True)
    }
    assert all(n > 0 for n in drawn.values()), drawn
    assert set(titles) >= THEATRE_FIGURES
    assert all(p["xtitles"]) and all(p["ytitles"]), p
    assert p["tables"] == len(meta["tables"])
    assert p["remote"] == []


def test_plotlyjs_as_one_file_beside_the_html(tmp_path: Path, render: object) -> None:
    pytest.importorskip("plotly")
    import plotly.graph_objects as go

    rep = Report("two figures")
    for i in range(2):
        rep.add_figure(f"f{i}", go.Figure(go.Scatter(x=[0, 1], y=[i, i + 1])), section="S")
    index = rep.write(tmp_path / "r", plotlyjs="file")
    html = index.read_text()
    assert html.count('src="plotly.min.js"') == 1 and len(html) < 100_000
    assert (tmp_path / "r" / "plotly.min.js").stat().st_size > 1_000_000
    page = render(index, "return document.querySelectorAll('svg.main-svg').length")  # type: ignore[operator]
    assert page.errors == [] and page.probe >= 2


def test_sections_in_order_and_before(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    import plotly.graph_objects as go

    rep = Report("t")
    rep.add_section("A")
    rep.add_text("a")
    rep.add_section("C")
    rep.add_figure("map", go.Figure(), section="B", before="C", caption="cap", png=b"\x89PNG")
    rep.add_table("tab", ["x", "ok"], [[1.23456, True], [None, False]], section="A")
    assert [s.title for s in rep.sections] == ["A", "B", "C"]
    page, files = rep.render()
    assert page.index('id="sec-a"') < page.index('id="sec-b"') < page.index('id="sec-c"')
    assert "<td>yes</td>" in page and "<td>no</td>" in page and ">1.235<" in page
    assert files["figures/01-map.png"] == b"\x89PNG"
    with pytest.raises(TypeError):
        rep.add_figure("not plotly", object())
    with pytest.raises(ValueError):
        rep.add_table("bad", ["a", "b"], [[1]])


def test_failed_write_leaves_nothing_and_keeps_an_older_report(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    import plotly.graph_objects as go

    good = Report("old")
    good.add_text("old report", section="S")
    target = tmp_path / "r"
    good.write(target)
    before = (target / "index.html").read_text()

    bad = Report("new")
    bad.add_figure("f", go.Figure(), png=tmp_path / "missing.png", section="S")
    with pytest.raises(FileNotFoundError):
        bad.write(target)
    assert (target / "index.html").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary directory left
    bad2 = Report("new")
    bad2.add_figure("f", go.Figure(), png=tmp_path / "missing.png", section="S")
    with pytest.raises(FileNotFoundError):
        bad2.write(tmp_path / "fresh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    # An earlier report is replaced by a new one.
    newer = Report("newer")
    newer.add_text("newer report", section="S")
    newer.write(target)
    assert "newer report" in (target / "index.html").read_text()


def test_report_dir_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    for bad in (tmp_path / "file", other):
        with pytest.raises(InputError):
            check_report_dir(bad)
        code, out, err = call(capsys, "run", "-n", "10", "--report", str(bad))
        assert code == 2 and "--report" in err and "Traceback" not in err
        assert out == ""  # refused before running anything
    assert (other / "notes.txt").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_report_dir(empty) == empty


def test_missing_plot_extra_exits_2_with_install_hint(tmp_path: Path) -> None:
    # A Python whose imports of plotly fail: a meta-path finder that refuses it.
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('plotly', 'matplotlib'):\n"
        "            raise ImportError('blocked for the test: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from shieldlab.cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    for args in (
        ["run", "-n", "10", "--report", str(tmp_path / "r")],
        ["stability", "restore", "--plot", str(tmp_path / "p")],
    ):
        res = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
        )
        assert res.returncode == 2, res.stderr
        assert "pip install 'shieldlab[plot]'" in res.stderr and "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_the_browser_check_sees_console_errors(tmp_path: Path, render: object) -> None:
    """Negative control: a page that throws is reported, so a clean page means clean."""
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        "<!DOCTYPE html><html><body><script>console.error('bad'); "
        "throw new Error('boom');</script></body></html>"
    )
    page = render(page_file, "return 1", timeout_s=1.0)  # type: ignore[operator]
    text = " ".join(m["message"] for m in page.errors)
    assert "boom" in text and "bad" in text


def test_the_printed_command_reruns_the_report_bit_for_bit(
    report_dir: Path, tmp_path: Path
) -> None:
    import shlex

    meta = json.loads((report_dir / "report.json").read_text())
    args = shlex.split(meta["command"])
    assert args[:2] == ["shieldlab", "run"] and args[-2:] == ["--report", str(report_dir)]
    again = tmp_path / "again"
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args[1:-1], str(again)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    for rel in ["index.html", "report.json"]:
        first = (report_dir / rel).read_text().replace(str(report_dir), "DIR")
        assert (again / rel).read_text().replace(str(again), "DIR") == first, rel
    for png in (report_dir / "figures").glob("*.png"):
        assert (again / "figures" / png.name).read_bytes() == png.read_bytes()


def test_theatre_section_draws_the_runs_replication(report_dir: Path) -> None:
    """The run report carries the theatre map and the timeline of replication 0 of its seed."""
    meta = json.loads((report_dir / "report.json").read_text())
    titles = [(f["title"], f["png"]) for f in meta["figures"]]
    assert ("Theatre map" in [t for t, _ in titles]) and "Engagement timeline" in [
        t for t, _ in titles
    ]
    assert all(png for t, png in titles if t in ("Theatre map", "Engagement timeline"))
    html = (report_dir / "index.html").read_text()
    assert "shieldlab replay --seed 7 --replication 0" in html
    # The section sits before the parameter cards.
    assert html.index(">Theatre<") < html.index(">Parameter cards<")


def test_theatre_without_a_trace_says_why() -> None:
    """A scenario on the Python event loop gets the layout map and the reason, no timeline."""
    from shieldlab.report.document import Report, Text
    from shieldlab.report.run import THEATRE, add_theatre
    from shieldlab.scenario.loader import scenario_by_name_or_path

    sc = scenario_by_name_or_path("four-batteries")
    sc = sc.replace(doctrine={**sc.doctrine.model_dump(), "assigner": "optimal"})
    rep = Report("t")
    add_theatre(rep, sc, seed=3)
    sec = rep.section(THEATRE)
    assert sec is not None
    assert [b.title for b in rep.figures] == ["Theatre map"]
    texts = [b.text for b in sec.blocks if isinstance(b, Text)]
    assert len(texts) == 1 and "assigner" in texts[0] and "No replication is drawn" in texts[0]


def test_report_says_what_leaks_by_threat_and_what_the_raid_cost(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text()
    meta = json.loads((report_dir / "report.json").read_text())
    titles = {t["title"] for t in meta["tables"]}
    assert {
        "What leaks, by threat class",
        "What leaks, by wave",
        "Interceptor type x threat class",
        "Magazines at the end of the raid",
    } <= titles
    assert meta["results"]["headline"] in html
    assert "surviving aircraft are reusable and not counted" in html
    by_class = next(t for t in meta["tables"] if t["title"] == "What leaks, by threat class")
    assert [r[0] for r in by_class["rows"]] == ["ballistic", "cruise", "aircraft", "decoy"]
