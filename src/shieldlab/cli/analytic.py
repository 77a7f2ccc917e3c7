"""`shieldlab analytic`: closed-form radar, trajectory, engagement and arms-race answers.

Each subcommand parses its options, calls :mod:`shieldlab.analytic` and prints one JSON
object (``--json``) or one readable line. A bad value raises an InputError naming the
option (exit status 2). The library is imported inside each command so that
``shieldlab --help`` does not pay for scipy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from shieldlab.cli._output import emit_json
from shieldlab.errors import InputError

app = typer.Typer(
    help=(
        "Closed-form models: radar detection, jamming, ballistic arcs, re-entry, glide, "
        "engagement, arms race."
    ),
    no_args_is_help=True,
)

T = TypeVar("T")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
GainOpt = Annotated[float, typer.Option("--gain-db", help="Antenna gain (dB).")]
RcsOpt = Annotated[float, typer.Option("--rcs-m2", help="Radar cross-section (m^2).")]
TempOpt = Annotated[float, typer.Option("--noise-temp-k", help="System noise temperature (K).")]
LossOpt = Annotated[float, typer.Option("--loss-db", help="System losses (dB).")]
FreqOpt = Annotated[float, typer.Option("--freq-hz", help="Carrier frequency (Hz).")]
TauOpt = Annotated[float, typer.Option("--pulse-width-s", help="Pulse width (s).")]

_RADAR_OPTIONS = {
    "freq_hz": "--freq-hz",
    "range_m": "--range-m",
    "peak_power_w": "--peak-power-w",
    "pulse_width_s": "--pulse-width-s",
    "snr_db": "--snr-db",
    "gain_db": "--gain-db",
    "rcs_m2": "--rcs-m2",
    "noise_temp_k": "--noise-temp-k",
    "loss_db": "--loss-db",
}
_DETECTION_OPTIONS = {
    "pd": "--pd",
    "pfa": "--pfa",
    "n_pulses": "--pulses",
    "swerling": "--swerling",
    "snr_db": "--snr-db",
}


def _checked(call: Callable[[], T], options: dict[str, str]) -> T:
    """Run a library call, re-raising its InputError with the CLI option's name."""
    try:
        return call()
    except InputError as exc:
        option = options.get(exc.location.field or "")
        if option is None:
            raise
        raise InputError(f"option {option}: {exc.message}") from None


def _out(as_json: bool, payload: dict[str, Any], line: str) -> None:
    if as_json:
        emit_json(payload)
    else:
        typer.echo(line)


RangeOpt = Annotated[float, typer.Option("--range-m", help="Target range (m).")]
PowerOpt = Annotated[float, typer.Option("--peak-power-w", help="Peak power (W).")]
SnrOpt = Annotated[float, typer.Option("--snr-db", help="Required single-pulse SNR (dB).")]

# Which library function each radar-equation command calls, its JSON key and its line.
_RADAR_SOLVES = {
    "snr_db": ("snr_db", "SNR = {:.3f} dB"),
    "detection_range_m": ("range_m", "detection range = {:.1f} m"),
    "peak_power_w": ("peak_power_w", "peak power = {:.6g} W"),
}


def _radar_equation(solve: str, options: dict[str, Any]) -> None:
    """Solve the radar equation for one quantity from a command's options (its locals)."""
    from shieldlab import analytic

    given = dict(options)
    as_json = bool(given.pop("as_json"))
    key, line = _RADAR_SOLVES[solve]
    value = float(_checked(lambda: getattr(analytic, solve)(**given), _RADAR_OPTIONS))
    _out(as_json, {key: value}, line.format(value))


@app.command("snr")
def snr_cmd(
    freq_hz: FreqOpt,
    range_m: RangeOpt,
    peak_power_w: PowerOpt,
    pulse_width_s: TauOpt,
    gain_db: GainOpt = 20.0,
    rcs_m2: RcsOpt = 1.0,
    noise_temp_k: TempOpt = 290.0,
    loss_db: LossOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Single-pulse SNR from the monostatic radar equation."""
    _radar_equation("snr_db", locals())


@app.command("detection-range")
def detection_range_cmd(
    freq_hz: FreqOpt,
    snr_db: SnrOpt,
    peak_power_w: PowerOpt,
    pulse_width_s: TauOpt,
    gain_db: GainOpt = 20.0,
    rcs_m2: RcsOpt = 1.0,
    noise_temp_k: TempOpt = 290.0,
    loss_db: LossOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Range at which the radar equation gives the required SNR."""
    _radar_equation("detection_range_m", locals())


@app.command("peak-power")
def peak_power_cmd(
    freq_hz: FreqOpt,
    range_m: RangeOpt,
    snr_db: SnrOpt,
    pulse_width_s: TauOpt,
    gain_db: GainOpt = 20.0,
    rcs_m2: RcsOpt = 1.0,
    noise_temp_k: TempOpt = 290.0,
    loss_db: LossOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Peak power that gives the required SNR at the range."""
    _radar_equation("peak_power_w", locals())


@app.command("burn-through")
def burn_through_cmd(
    freq_hz: FreqOpt,
    snr_db: SnrOpt,
    peak_power_w: PowerOpt,
    pulse_width_s: TauOpt,
    jammer_erp_w: Annotated[
        float, typer.Option("--jammer-erp-w", help="Jammer effective radiated power Pj Gj (W).")
    ],
    jammer_bandwidth_hz: Annotated[
        float, typer.Option("--jammer-bandwidth-hz", help="Jammer noise bandwidth (Hz).")
    ],
    gain_db: GainOpt = 20.0,
    rcs_m2: RcsOpt = 1.0,
    noise_temp_k: TempOpt = 290.0,
    loss_db: LossOpt = 0.0,
    jammer_loss_db: Annotated[
        float, typer.Option("--jammer-loss-db", help="Jammer transmit and path losses (dB).")
    ] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Burn-through range against a self-screening noise jammer (and the unjammed range)."""
    from shieldlab import analytic

    given = dict(locals())
    given.pop("as_json")
    given.pop("analytic")
    options = {
        **_RADAR_OPTIONS,
        "jammer_erp_w": "--jammer-erp-w",
        "jammer_bandwidth_hz": "--jammer-bandwidth-hz",
        "jammer_loss_db": "--jammer-loss-db",
    }
    bt = float(_checked(lambda: analytic.self_screening_burn_through_m(**given), options))
    radar_only = {k: x for k, x in given.items() if not k.startswith("jammer_")}
    r0 = float(_checked(lambda: analytic.detection_range_m(**radar_only), options))
    _out(
        as_json,
        {"burn_through_range_m": bt, "unjammed_range_m": r0},
        f"burn-through range = {bt:.1f} m (unjammed detection range {r0:.1f} m)",
    )


AngleOpt = Annotated[
    float,
    typer.Option("--path-angle-deg", help="Re-entry path angle below the horizontal (deg)."),
]
_REENTRY_OPTIONS = {
    "entry_speed_mps": "--entry-speed-mps",
    "ballistic_coeff_kg_m2": "--beta",
    "path_angle_deg": "--path-angle-deg",
    "altitude_m": "--altitude-m",
    "decoy_coeff_kg_m2": "--decoy-beta",
    "warhead_coeff_kg_m2": "--warhead-beta",
    "speed_lag_fraction": "--lag",
}


@app.command("reentry")
def reentry_cmd(
    entry_speed_mps: Annotated[
        float, typer.Option("--entry-speed-mps", help="Speed at atmospheric entry (m/s).")
    ],
    beta: Annotated[
        float, typer.Option("--beta", help="Ballistic coefficient m / (C_D A) (kg/m^2).")
    ],
    path_angle_deg: AngleOpt,
    altitude_m: Annotated[
        float, typer.Option("--altitude-m", help="Altitude to report the speed at (m).")
    ] = 0.0,
    decoy_beta: Annotated[
        float | None,
        typer.Option(
            "--decoy-beta",
            help="A decoy's ballistic coefficient: also print where it lags the warhead.",
        ),
    ] = None,
    lag: Annotated[
        float, typer.Option("--lag", help="Speed lag that tells the decoy apart (fraction).")
    ] = 0.05,
    as_json: JsonOpt = False,
) -> None:
    """Allen-Eggers re-entry: speed at an altitude, peak deceleration, decoy separation."""
    from shieldlab import analytic

    r = _checked(
        lambda: analytic.allen_eggers(
            entry_speed_mps=entry_speed_mps,
            ballistic_coeff_kg_m2=beta,
            path_angle_deg=path_angle_deg,
            altitude_m=altitude_m,
        ),
        _REENTRY_OPTIONS,
    )
    payload: dict[str, Any] = {
        "speed_at_altitude_mps": float(r.speed_at_altitude_mps),
        "peak_deceleration_mps2": float(r.peak_deceleration_mps2),
        "peak_deceleration_altitude_m": float(r.peak_deceleration_altitude_m),
    }
    line = (
        f"speed at {altitude_m:g} m = {payload['speed_at_altitude_mps']:.1f} m/s; "
        f"peak deceleration {payload['peak_deceleration_mps2'] / 9.80665:.1f} g "
        f"at {payload['peak_deceleration_altitude_m'] / 1e3:.1f} km"
    )
    if decoy_beta is not None:
        h = float(
            _checked(
                lambda: analytic.discrimination_altitude_m(
                    decoy_coeff_kg_m2=decoy_beta,
                    warhead_coeff_kg_m2=beta,
                    path_angle_deg=path_angle_deg,
                    speed_lag_fraction=lag,
                ),
                {**_REENTRY_OPTIONS, "warhead_coeff_kg_m2": "--beta"},
            )
        )
        payload["discrimination_altitude_m"] = h
        line += f"; a decoy of {decoy_beta:g} kg/m^2 lags by {lag:.0%} below {h / 1e3:.1f} km"
    _out(as_json, payload, line)


@app.command("glide")
def glide_cmd(
    initial_speed_mps: Annotated[
        float, typer.Option("--initial-speed-mps", help="Speed at the start of the glide (m/s).")
    ],
    lift_to_drag: Annotated[float, typer.Option("--lift-to-drag", help="Lift-to-drag ratio.")],
    wing_loading_kg_m2: Annotated[
        float, typer.Option("--wing-loading-kg-m2", help="Mass over reference area (kg/m^2).")
    ],
    lift_coeff: Annotated[float, typer.Option("--lift-coeff", help="Lift coefficient C_L.")],
    final_speed_mps: Annotated[
        float, typer.Option("--final-speed-mps", help="Speed at the end of the glide (m/s).")
    ] = 1_000.0,
    as_json: JsonOpt = False,
) -> None:
    """Equilibrium glide: range, time and altitudes of a generic boost-glide vehicle."""
    from shieldlab import analytic

    given = dict(locals())
    given.pop("as_json")
    given.pop("analytic")
    options = {k: "--" + k.replace("_", "-") for k in given}
    g = _checked(lambda: analytic.equilibrium_glide(**given), options)
    payload = {
        "range_m": float(g.range_m),
        "time_s": float(g.time_s),
        "altitude_start_m": float(g.altitude_start_m),
        "altitude_end_m": float(g.altitude_end_m),
    }
    _out(
        as_json,
        payload,
        f"glide range = {payload['range_m'] / 1e3:.0f} km in {payload['time_s']:.0f} s, "
        f"altitude {payload['altitude_start_m'] / 1e3:.1f} -> "
        f"{payload['altitude_end_m'] / 1e3:.1f} km",
    )


PdOpt = Annotated[float, typer.Option("--pd", help="Probability of detection.")]
PfaOpt = Annotated[float, typer.Option("--pfa", help="Probability of false alarm.")]
PulsesOpt = Annotated[
    int, typer.Option("--pulses", help="Pulses integrated noncoherently (square law).")
]
SwerlingOpt = Annotated[int, typer.Option("--swerling", help="Swerling case 0-4.")]


@app.command("albersheim")
def albersheim_cmd(
    pd: PdOpt,
    pfa: PfaOpt,
    pulses: PulsesOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """Required SNR by Albersheim's equation (Swerling 0; 0.1<=Pd<=0.9, 1e-7<=Pfa<=1e-3)."""
    from shieldlab import analytic

    value = _checked(lambda: analytic.albersheim_snr_db(pd, pfa, pulses), _DETECTION_OPTIONS)
    _out(as_json, {"snr_db": float(value)}, f"required SNR (Albersheim) = {float(value):.3f} dB")


@app.command("shnidman")
def shnidman_cmd(
    pd: PdOpt,
    pfa: PfaOpt,
    pulses: PulsesOpt = 1,
    swerling: SwerlingOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Required SNR by Shnidman's equation (Swerling 0-4; 0.1<=Pd<=0.99, 1e-9<=Pfa<=1e-3)."""
    from shieldlab import analytic

    value = _checked(
        lambda: analytic.shnidman_snr_db(pd, pfa, pulses, swerling), _DETECTION_OPTIONS
    )
    _out(as_json, {"snr_db": float(value)}, f"required SNR (Shnidman) = {float(value):.3f} dB")


@app.command("pd")
def pd_cmd(
    snr_db: Annotated[float, typer.Option("--snr-db", help="Mean single-pulse SNR (dB).")],
    pfa: PfaOpt,
    pulses: PulsesOpt = 1,
    swerling: SwerlingOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Exact probability of detection (Marcum Q for Swerling 0, closed forms for 1-4)."""
    from shieldlab import analytic

    value = _checked(
        lambda: analytic.pd_from_snr(snr_db, pfa, pulses, swerling), _DETECTION_OPTIONS
    )
    _out(as_json, {"pd": float(value)}, f"Pd = {float(value):.6f}")


@app.command("horizon")
def horizon_cmd(
    antenna_height_m: Annotated[
        float, typer.Option("--antenna-height-m", help="Antenna height (m).")
    ],
    target_height_m: Annotated[
        float, typer.Option("--target-height-m", help="Target height (m).")
    ] = 0.0,
    k_factor: Annotated[
        float, typer.Option("--k-factor", help="Effective Earth-radius factor (4/3 standard).")
    ] = 4.0 / 3.0,
    as_json: JsonOpt = False,
) -> None:
    """Radar horizon over a smooth Earth of effective radius k R."""
    from shieldlab import analytic

    value = _checked(
        lambda: analytic.radar_horizon_m(antenna_height_m, target_height_m, k_factor),
        {
            "antenna_height_m": "--antenna-height-m",
            "target_height_m": "--target-height-m",
            "k_factor": "--k-factor",
        },
    )
    _out(as_json, {"range_m": float(value)}, f"radar horizon = {float(value):.1f} m")


@app.command("ballistic")
def ballistic_cmd(
    range_km: Annotated[float, typer.Option("--range-km", help="Ground range (km).")],
    flight_path_angle_deg: Annotated[
        float | None,
        typer.Option(
            "--flight-path-angle-deg",
            help="Burnout angle above the horizontal (deg); minimum-energy when omitted.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Burnout speed, flight-path angle, flight time and apogee (spherical Earth, no drag)."""
    from shieldlab import analytic
    from shieldlab.analytic.trajectory import MAX_RANGE_M

    opts = {"range_m": "--range-km", "flight_path_angle_rad": "--flight-path-angle-deg"}
    max_km = MAX_RANGE_M / 1e3
    if not 0.0 < range_km < max_km:
        # Checked here so that the message speaks in the option's unit (km).
        raise InputError(
            f"option --range-km: must be positive and below half the Earth's circumference "
            f"({max_km:.0f} km), got {range_km:g}"
        )
    gamma = None if flight_path_angle_deg is None else math.radians(flight_path_angle_deg)
    arc = _checked(lambda: analytic.ballistic_arc(range_km * 1e3, gamma), opts)
    payload = {
        "burnout_speed_mps": float(arc.burnout_speed_mps),
        "flight_path_angle_deg": math.degrees(float(arc.flight_path_angle_rad)),
        "flight_time_s": float(arc.flight_time_s),
        "apogee_m": float(arc.apogee_m),
    }
    kind = "minimum-energy" if flight_path_angle_deg is None else "given-angle"
    _out(
        as_json,
        payload,
        f"{kind} arc: burnout speed {payload['burnout_speed_mps']:.1f} m/s, "
        f"flight-path angle {payload['flight_path_angle_deg']:.2f} deg, "
        f"flight time {payload['flight_time_s']:.1f} s, apogee {payload['apogee_m']:.0f} m",
    )


ThreatsOpt = Annotated[int, typer.Option("--threats", help="Number of threats in the raid.")]
SspkOpt = Annotated[float, typer.Option("--sspk", help="Single-shot kill probability.")]
PDetectOpt = Annotated[
    float, typer.Option("--p-detect", help="Detect-track-discriminate probability.")
]
_ENGAGEMENT_OPTIONS = {
    "n_threats": "--threats",
    "shots_per_threat": "--shots-per-threat",
    "sspk": "--sspk",
    "p_detect": "--p-detect",
    "interceptors": "--interceptors",
    "p_zero_leakers": "--p-zero-leakers",
    "stages": "--stages",
    "layer_pks": "--layer-pk",
}


@app.command("leakage")
def leakage_cmd(
    threats: ThreatsOpt,
    shots_per_threat: Annotated[
        int, typer.Option("--shots-per-threat", help="Interceptors fired at each threat.")
    ],
    sspk: SspkOpt,
    p_detect: PDetectOpt = 1.0,
    interceptors: Annotated[
        int | None,
        typer.Option("--interceptors", help="Inventory; threats beyond floor(I/n) leak."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per-threat kill, expected leakers and P(no leaker), with an optional inventory."""
    from shieldlab import analytic

    res = _checked(
        lambda: analytic.leakage(
            threats, shots_per_threat, sspk, p_detect=p_detect, interceptors=interceptors
        ),
        _ENGAGEMENT_OPTIONS,
    )
    payload: dict[str, Any] = {
        "p_kill_per_threat": float(res.p_kill_per_threat),
        "expected_leakers": float(res.expected_leakers),
        "p_zero_leakers": float(res.p_zero_leakers),
    }
    line = (
        f"P(kill) per threat {payload['p_kill_per_threat']:.6f}, expected leakers "
        f"{payload['expected_leakers']:.4f}, P(no leaker) {payload['p_zero_leakers']:.6f}"
    )
    if interceptors is not None:
        payload["threats_engaged"] = int(res.threats_engaged)
        line += f", threats engaged {payload['threats_engaged']} of {threats}"
    _out(as_json, payload, line)


@app.command("interceptors-needed")
def interceptors_needed_cmd(
    threats: ThreatsOpt,
    sspk: SspkOpt,
    p_zero_leakers: Annotated[
        float, typer.Option("--p-zero-leakers", help="Required probability of no leaker.")
    ],
    p_detect: PDetectOpt = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """Whole shots per threat and interceptors for a required probability of no leaker."""
    from shieldlab import analytic

    req = _checked(
        lambda: analytic.interceptors_needed(threats, sspk, p_zero_leakers, p_detect=p_detect),
        _ENGAGEMENT_OPTIONS,
    )
    shots, total = int(req.shots_per_threat), int(req.interceptors)
    _out(
        as_json,
        {"shots_per_threat": shots, "interceptors": total},
        f"{shots} shots per threat, {total} interceptors",
    )


@app.command("sls")
def sls_cmd(
    sspk: SspkOpt,
    stages: Annotated[int, typer.Option("--stages", help="Shoot-look-shoot stages.")],
    as_json: JsonOpt = False,
) -> None:
    """Shoot-look-shoot: kill probability and expected shots for k stages."""
    from shieldlab import analytic

    pk, shots = _checked(lambda: analytic.shoot_look_shoot(sspk, stages), _ENGAGEMENT_OPTIONS)
    _out(
        as_json,
        {"p_kill": float(pk), "expected_shots": float(shots)},
        f"P(kill) {float(pk):.6f}, expected shots {float(shots):.4f}",
    )


@app.command("layers")
def layers_cmd(
    layer_pk: Annotated[
        list[float],
        typer.Option("--layer-pk", help="Kill probability of one layer (repeat per layer)."),
    ],
    threats: ThreatsOpt,
    as_json: JsonOpt = False,
) -> None:
    """Leakage through independent defence layers."""
    from shieldlab import analytic

    res = _checked(lambda: analytic.layers(layer_pk, threats), _ENGAGEMENT_OPTIONS)
    payload = {
        "p_leak_per_threat": float(res.p_leak_per_threat),
        "expected_leakers": float(res.expected_leakers),
        "p_zero_leakers": float(res.p_zero_leakers),
    }
    _out(
        as_json,
        payload,
        f"P(leak) per threat {payload['p_leak_per_threat']:.6f}, expected leakers "
        f"{payload['expected_leakers']:.4f}, P(no leaker) {payload['p_zero_leakers']:.6f}",
    )


def _coef(name: str, text: str) -> Any:
    return typer.Option(f"--{name}", help=text)


@app.command("richardson")
def richardson_cmd(
    k: Annotated[float, _coef("k", "Reaction of x to y's level.")],
    l: Annotated[float, _coef("l", "Reaction of y to x's level.")],  # noqa: E741
    a: Annotated[float, _coef("a", "Fatigue (cost) coefficient of x.")],
    b: Annotated[float, _coef("b", "Fatigue (cost) coefficient of y.")],
    g: Annotated[float, _coef("g", "Grievance of x.")],
    h: Annotated[float, _coef("h", "Grievance of y.")],
    x0: Annotated[float, _coef("x0", "Starting level of x.")] = 0.0,
    y0: Annotated[float, _coef("y0", "Starting level of y.")] = 0.0,
    years: Annotated[
        float | None, _coef("years", "Span of the trajectory; omitted: no trajectory.")
    ] = None,
    steps: Annotated[int, _coef("steps", "Points in the trajectory.")] = 11,
    as_json: JsonOpt = False,
) -> None:
    """Richardson arms race: equilibrium, stability (ab > kl) and optional trajectory."""
    from shieldlab import analytic

    opts = {n: f"--{n}" for n in ("k", "l", "a", "b", "g", "h", "x0", "y0", "years")}
    opts["n_steps"] = "--steps"
    res = _checked(
        lambda: analytic.richardson(
            k=k, l=l, a=a, b=b, g=g, h=h, x0=x0, y0=y0, years=years, n_steps=steps
        ),
        opts,
    )
    payload: dict[str, Any] = {"equilibrium": list(res.equilibrium), "stable": res.stable}
    ex, ey = res.equilibrium
    line = (
        f"equilibrium x = {ex:.6g}, y = {ey:.6g}; {'stable' if res.stable else 'unstable'}"
        if math.isfinite(ex)
        else f"no unique equilibrium (a b = k l); {'stable' if res.stable else 'unstable'}"
    )
    if res.t_years is not None and res.x is not None and res.y is not None:
        payload["trajectory"] = {"t_years": res.t_years, "x": res.x, "y": res.y}
        line += f"; after {res.t_years[-1]:g} years x = {res.x[-1]:.6g}, y = {res.y[-1]:.6g}"
    _out(as_json, payload, line)
