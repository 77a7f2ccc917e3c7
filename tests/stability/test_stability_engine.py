"""Engine penetration curves (common random numbers) against the closed forms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shieldlab.cli.main import main
from shieldlab.core.engagement import leakage_with_inventory
from shieldlab.stability.engine_curves import engine_curve, load_engine_scenario
from shieldlab.stability.penetration import saturation_point

# The built-in "closed-form" scenario is the engine's degenerate case where Wilkening's
# inventory model is exact (certain detection, ample channels, one salvo of 2 shots of
# SSPK 0.6 per threat, 10 launchers x 20 rounds = 200 interceptors -> 100 threats covered).
SIZES = [4, 16, 64, 96, 100, 104, 120, 160]


@pytest.fixture(scope="module")
def curve():  # type: ignore[no-untyped-def]
    return engine_curve(load_engine_scenario("closed-form"), SIZES, replications=600, seed=7)


def test_engine_agrees_with_closed_form_within_its_interval(curve) -> None:  # type: ignore[no-untyped-def]
    # Wilkening (1999), Science & Global Security 8, as in PUBLISHED_VALUES.md: expected
    # leakers E (1 - Pk) + (N - E), E = min(N, floor(I/n)); Pk = 1 - 0.4^2 = 0.84.
    ref = leakage_with_inventory(np.array(SIZES), 2, 0.6, 200).expected_leakers
    half = curve.expected_ci95_half_width
    # 4 standard errors (about 2 half-widths): a fixed, not a tuned, allowance.
    assert np.all(np.abs(curve.expected_penetrating - ref) <= 2.0 * half + 1e-9)


def test_common_random_numbers_make_the_curve_monotone_and_exact_past_saturation(
    curve,  # type: ignore[no-untyped-def]
) -> None:
    e = curve.expected_penetrating
    assert np.all(np.diff(e) >= 0)
    assert np.all(np.diff(curve.p_at_least_k) >= 0)
    # Beyond 100 threats every added threat leaks for sure and, with the same draws for
    # the existing threats, adds exactly one leaker on average: 104 -> 120 -> 160.
    assert e[6] - e[5] == pytest.approx(16.0, abs=1e-9)
    assert e[7] - e[6] == pytest.approx(40.0, abs=1e-9)
    assert saturation_point(curve, 0.05) == 100


def test_same_seed_same_curve() -> None:
    sc = load_engine_scenario("closed-form")
    a = engine_curve(sc, [8, 32], replications=200, seed=3)
    b = engine_curve(sc, [8, 32], replications=200, seed=3)
    np.testing.assert_array_equal(a.expected_penetrating, b.expected_penetrating)


def test_cli_engine_option(capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "stability",
            "penetration",
            "--json",
            "--engine",
            "closed-form",
            "--raid-sizes",
            "8,16",
            "--replications",
            "100",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert data["engine"]["scenario"] == "closed-form"
    assert data["engine"]["curve"]["raid_missiles"] == [8, 16]
    with pytest.raises(SystemExit) as exc:
        main(["stability", "penetration", "--engine", "no-such-scenario"])
    assert exc.value.code == 2
