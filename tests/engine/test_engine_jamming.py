"""Noise jamming in the engine's detection tables (``engine.jamming``, issue 17 item 6).

Hand-derived references: a self-screening jammer met in the main lobe at the target's own
range R gives SJNR(R) = (A / R^4) / (1 + D / R^2) with A = Pt tau G^2 lambda^2 sigma /
((4 pi)^3 k Ts L) and D = ERP G lambda^2 / ((4 pi)^2 Lj Bj k Ts), so at Skolnik's
burn-through range R_bt^2 = A / (S D) = Pt tau G sigma Lj Bj / (4 pi L ERP S) (Skolnik,
*Introduction to Radar Systems*, 3rd ed. 2001, sec. 10) the SJNR is exactly
S / (1 + R_bt^2 / D). A stand-off jammer of fixed JNR shrinks every detection range by
(1 + JNR)^(-1/4). The engine reads the reference-range form of the radar
(snr_ref_db at ref_range_m), here set from the same Pt, tau, G, sigma.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios import small_scenario

from shieldlab.core import jamming, radar
from shieldlab.core.kinematics import LocalFrame
from shieldlab.core.sensing import detection_probability, pd_interp, pd_table, snr_db_at
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.jamming import scan_jnr_db
from shieldlab.engine.oracle import run_replications_py
from shieldlab.engine.outcomes import COL_LEAKERS
from shieldlab.errors import InputError
from shieldlab.scenario import Scenario, scenario_from_data

K_B = 1.380649e-23
FREQ_HZ = 1.0e10
LAMBDA_M = 299_792_458.0 / FREQ_HZ
PT_W, TAU_S, GAIN_DB, TS_K = 1.0e6, 1.0e-6, 40.0, 290.0
ERP_W, BJ_HZ = 100.0, 1.0e8
S_LIN = 20.0  # required SNR, 13.01 dB
REF_RANGE_M = 100_000.0
RECEIVER = {
    "freq_hz": FREQ_HZ,
    "gain_db": GAIN_DB,
    "sidelobe_db": -30.0,
    "beamwidth_deg": 2.0,
    "noise_temp_k": TS_K,
}
# SNR of a 1 m^2 target at 100 km from the radar equation: Pt tau G^2 lambda^2 sigma /
# ((4 pi)^3 k Ts R^4) = 113.1, i.e. 20.53 dB.
A_M4 = PT_W * TAU_S * 1e8 * LAMBDA_M**2 / ((4 * math.pi) ** 3 * K_B * TS_K)
SNR_REF_DB = 10 * math.log10(A_M4 / REF_RANGE_M**4)
D_M2 = ERP_W * 1e4 * LAMBDA_M**2 / ((4 * math.pi) ** 2 * BJ_HZ * K_B * TS_K)


def _jammed(
    jammers: list[dict[str, Any]], *, snr_ref_db: float = SNR_REF_DB, **kw: Any
) -> Scenario:
    data = small_scenario(snr_ref_db=snr_ref_db, **kw).model_dump()
    for bat in data["batteries"]:
        for r in bat["radars"]:
            r["receiver"] = dict(RECEIVER)
            r["ref_range_m"] = REF_RANGE_M
    data["jammers"] = jammers
    return scenario_from_data(data)


SSJ = {
    "name": "ssj",
    "kind": "self_screening",
    "erp_w": ERP_W,
    "bandwidth_hz": BJ_HZ,
    "carried_by": "target",
}


def _sjnr_db(sc: Scenario, pos: np.ndarray, *, owners: list[int] | None = None) -> np.ndarray:
    """The engine's jammed SNR at local positions ``pos`` (one scan each; sample k belongs
    to threat owners[k], default all to threat 0), radar at the local origin."""
    n = pos.shape[0]
    owners = owners if owners is not None else [0] * n
    n_t = max(owners) + 1
    s_first = np.zeros(n_t, dtype=np.int64)
    off = np.zeros(n_t + 1, dtype=np.int64)
    for i in range(n_t):
        off[i + 1] = off[i] + owners.count(i)
    # one scan per sample: threat i's k-th sample is scan k
    frame = LocalFrame(lat0_rad=math.radians(-20.0), lon0_rad=math.radians(-15.0), alt0_m=0.0)
    rd = sc.batteries[0].radars[0]
    jnr = scan_jnr_db(
        sc,
        frame,
        rd,
        np.zeros(3),
        0.0,
        period_s=1.0,
        s_first=s_first,
        off=off,
        pos=pos,
        alt=np.full(n, 10_000.0),
        threat_type=np.zeros(n_t, dtype=np.int64),
    )
    rng = np.linalg.norm(pos, axis=-1)
    snr = snr_db_at(
        range_m=rng, rcs_m2=1.0, ref_snr_db=rd.snr_ref_db, ref_range_m=REF_RANGE_M, ref_rcs_m2=1.0
    )
    return snr if jnr is None else jamming.jammed_snr_db(snr, jnr)


def test_self_screening_burn_through_equals_radar_equation() -> None:
    sc = _jammed([SSJ])
    r_bt = float(
        jamming.self_screening_burn_through_m(
            freq_hz=FREQ_HZ,
            snr_db=10 * math.log10(S_LIN),
            peak_power_w=PT_W,
            pulse_width_s=TAU_S,
            jammer_erp_w=ERP_W,
            jammer_bandwidth_hz=BJ_HZ,
            gain_db=GAIN_DB,
            noise_temp_k=TS_K,
        )
    )
    # Skolnik's jammer-dominated burn-through by hand: R^2 = Pt tau G sigma Bj /
    # (4 pi ERP S) = 1e6 * 1e-6 * 1e4 * 1e8 / (4 pi * 100 * 20) = 3.979e7 m^2, R = 6,308 m.
    r_hand = math.sqrt(PT_W * TAU_S * 1e4 * BJ_HZ / (4 * math.pi * ERP_W * S_LIN))
    assert r_hand == pytest.approx(6308.0, abs=0.5)
    # One carrier alone (two carriers on one bearing would each jam the other's look too).
    sjnr_bt = _sjnr_db(sc, np.array([[0.0, r_bt, 0.0]]))[0]
    sjnr_hand = _sjnr_db(sc, np.array([[0.0, r_hand, 0.0]]))[0]
    assert sjnr_bt == pytest.approx(10 * math.log10(S_LIN), abs=1e-9)
    assert sjnr_hand == pytest.approx(10 * math.log10(S_LIN / (1 + r_hand**2 / D_M2)), abs=1e-9)


def test_compiled_detection_turns_on_at_burn_through() -> None:
    """On an approach scanned every 0.01 s (3 m at 300 m/s) the compiled Pd crosses Pd(S)
    within one scan step of the burn-through range."""
    sc = _jammed([SSJ], threats=1)
    data = sc.model_dump()
    data["batteries"][0]["radars"][0]["scan_period_s"] = 0.01
    data["batteries"][0]["radars"][0]["antenna_height_m"] = 0.0
    sc = scenario_from_data(data)
    cs = compile_scenario(sc)
    s0, n, off = int(cs.det_s0[0, 0]), int(cs.det_n[0, 0]), int(cs.det_off[0, 0])
    pd = cs.det_pd[off : off + n]
    t = (s0 + np.arange(n)) * 0.01
    tr = cs.trajectories
    sl = slice(int(tr["off"][0]), int(tr["off"][0] + tr["n"][0]))
    pos = np.stack([np.interp(t, tr["t_s"][sl], tr["pos_m"][sl, c]) for c in range(3)], axis=-1)
    frame = LocalFrame(lat0_rad=math.radians(-20.0), lon0_rad=math.radians(-15.0), alt0_m=0.0)
    radar_pos = frame.to_local(math.radians(-20.0), math.radians(-15.0), 0.0)
    rng = np.linalg.norm(pos - radar_pos, axis=-1)
    table = pd_table(pfa=1e-6, swerling=1)
    p_s = pd_interp(table.snr0_db, table.step_db, table.pd, 10 * math.log10(S_LIN))
    k = int(np.flatnonzero(pd >= p_s)[0])  # first scan at or above Pd(S), closing in
    r_cross = float(np.interp(p_s, [pd[k - 1], pd[k]], [rng[k - 1], rng[k]]))
    r_bt = float(
        jamming.self_screening_burn_through_m(
            freq_hz=FREQ_HZ,
            snr_db=10 * math.log10(S_LIN),
            peak_power_w=PT_W,
            pulse_width_s=TAU_S,
            jammer_erp_w=ERP_W,
            jammer_bandwidth_hz=BJ_HZ,
            gain_db=GAIN_DB,
            noise_temp_k=TS_K,
        )
    )
    assert abs(r_cross - r_bt) < 3.0
    assert rng[k - 1] > r_bt > rng[k] - 3.0


def _stand_off(lat: float, lon: float, alt: float = 10_000.0, **kw: Any) -> dict[str, Any]:
    return {
        "name": "soj",
        "kind": "stand_off",
        "erp_w": 1.0e5,
        "bandwidth_hz": 5.0e8,
        "loss_db": 3.0,
        "position": {"lat_deg": lat, "lon_deg": lon, "alt_m": alt},
        **kw,
    }


def test_stand_off_jammer_in_sidelobes_shrinks_range_by_quarter_power() -> None:
    sc = _jammed([_stand_off(-19.0, -14.0)])
    frame = LocalFrame(lat0_rad=math.radians(-20.0), lon0_rad=math.radians(-15.0), alt0_m=0.0)
    j = frame.to_local(math.radians(-19.0), math.radians(-14.0), 10_000.0)
    rj = float(np.linalg.norm(j))
    # JNR by hand: ERP G_sl lambda^2 / ((4 pi)^2 Rj^2 Lj Bj k Ts), G_sl = 40 - 30 dB.
    jnr = 1e5 * 10.0 * LAMBDA_M**2 / ((4 * math.pi) ** 2 * rj**2 * 10**0.3 * 5e8 * K_B * TS_K)
    r0 = 80_000.0
    r1 = float(jamming.stand_off_detection_range_m(r0, 10 * math.log10(jnr)))
    assert r1 == pytest.approx(r0 * (1 + jnr) ** -0.25, rel=1e-12)
    # Targets due west (far off the jammer's bearing, north-east): sidelobe gain.
    pos = np.array([[-r0, 0.0, 0.0], [-r1, 0.0, 0.0]])
    snr_clear = snr_db_at(
        range_m=r0, rcs_m2=1.0, ref_snr_db=SNR_REF_DB, ref_range_m=REF_RANGE_M, ref_rcs_m2=1.0
    )
    sjnr = _sjnr_db(sc, pos, owners=[0, 1])
    assert sjnr[0] == pytest.approx(float(snr_clear) - 10 * math.log10(1 + jnr), abs=1e-9)
    assert sjnr[1] == pytest.approx(float(snr_clear), abs=1e-9)


def test_stand_off_main_lobe_band_horizon_and_time_window() -> None:
    frame = LocalFrame(lat0_rad=math.radians(-20.0), lon0_rad=math.radians(-15.0), alt0_m=0.0)
    j = np.asarray(frame.to_local(math.radians(-19.0), math.radians(-14.0), 10_000.0))
    los = j / np.linalg.norm(j)
    pos = np.stack([0.5 * j, 1e5 * np.array([-1.0, 0.0, 0.0])])  # on the jammer's line; west
    on = _sjnr_db(_jammed([_stand_off(-19.0, -14.0)]), pos, owners=[0, 1])
    clear = _sjnr_db(_jammed([]), pos, owners=[0, 1])
    jnr_side = 10 ** ((clear[1] - on[1]) / 10) - 1
    jnr_main = 10 ** ((clear[0] - on[0]) / 10) - 1
    assert jnr_main / jnr_side == pytest.approx(10**3.0, rel=1e-9)  # the 30 dB sidelobe
    assert float(los @ los) == pytest.approx(1.0)
    # Outside the band (S-band barrage on an X-band radar), below the horizon (a ground
    # jammer 150 km away, radar at 0 m: the 4/3-Earth horizon is 0 m for both), or before
    # it switches on (both samples are scan 0, t = 0): no effect.
    for jam in (
        _stand_off(-19.0, -14.0, center_freq_hz=3e9),
        _stand_off(-19.0, -14.0, alt=0.0),
        _stand_off(-19.0, -14.0, start_s=5.0),
    ):
        np.testing.assert_array_equal(_sjnr_db(_jammed([jam]), pos, owners=[0, 1]), clear)


def test_escort_effect_of_a_self_screening_jammer_on_other_targets() -> None:
    """A carrier's jammer reaches the radar through the sidelobes when it looks at another
    target: SJNR drops by 10 log10(1 + JNR) with the sidelobe gain and the carrier's range."""
    sc = _jammed([SSJ])
    pos = np.array([[0.0, 20_000.0, 0.0], [-30_000.0, 0.0, 0.0]])  # carrier north, other west
    sjnr = _sjnr_db(sc, pos, owners=[0, 1])
    clear = _sjnr_db(_jammed([]), pos, owners=[0, 1])
    # Both threats are of type 'target', so each carries a jammer: threat 1 sees its own
    # (main lobe, its range) and threat 0's (sidelobe, 20 km).
    jnr_own = D_M2 / 30_000.0**2
    jnr_other = D_M2 * 10**-3.0 / 20_000.0**2
    assert clear[1] - sjnr[1] == pytest.approx(10 * math.log10(1 + jnr_own + jnr_other), abs=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    erp=st.floats(1.0, 1.0e7),
    bw=st.floats(1.0e6, 2.0e9),
    lat=st.floats(-21.0, -19.0),
    lon=st.floats(-16.0, -14.0),
    alt=st.floats(0.0, 15_000.0),
    sidelobe=st.floats(-60.0, 0.0),
    xy=st.lists(st.tuples(st.floats(-2e5, 2e5), st.floats(-2e5, 2e5)), min_size=1, max_size=6),
)
def test_jamming_never_raises_pd(
    erp: float,
    bw: float,
    lat: float,
    lon: float,
    alt: float,
    sidelobe: float,
    xy: list[tuple[float, float]],
) -> None:
    jam = _stand_off(lat, lon, alt, erp_w=erp, bandwidth_hz=bw)
    data = _jammed([jam, {**SSJ, "erp_w": erp}]).model_dump()
    data["batteries"][0]["radars"][0]["receiver"]["sidelobe_db"] = sidelobe
    sc = scenario_from_data(data)
    pos = np.array([[x, y, 5_000.0] for x, y in xy])
    owners = list(range(len(xy)))
    table = pd_table(pfa=1e-6, swerling=1)
    rng = np.linalg.norm(pos, axis=-1)
    pd_kw = dict(table=table, range_m=rng, rcs_m2=1.0, ref_snr_db=SNR_REF_DB)
    clear = detection_probability(
        **pd_kw, ref_range_m=REF_RANGE_M, ref_rcs_m2=1.0, mask=np.ones(len(xy), bool)
    )
    sjnr = _sjnr_db(sc, pos, owners=owners)
    snr = snr_db_at(
        range_m=rng, rcs_m2=1.0, ref_snr_db=SNR_REF_DB, ref_range_m=REF_RANGE_M, ref_rcs_m2=1.0
    )
    jammed = detection_probability(
        **pd_kw,
        ref_range_m=REF_RANGE_M,
        ref_rcs_m2=1.0,
        mask=np.ones(len(xy), bool),
        jnr_db=10 * np.log10(np.maximum(10 ** ((snr - sjnr) / 10) - 1, 0.0)),
    )
    assert np.all(sjnr <= snr)
    assert np.all(jammed <= clear)


def test_compiled_pd_table_never_rises_under_jamming() -> None:
    clear = compile_scenario(_jammed([], threats=4))
    cs = compile_scenario(_jammed([SSJ, _stand_off(-19.5, -14.5)], threats=4))

    def full(c: Any) -> np.ndarray:
        out = np.zeros((c.n_radars, c.n_threats, 400))
        for r in range(c.n_radars):
            for i in range(c.n_threats):
                s0, n, off = int(c.det_s0[r, i]), int(c.det_n[r, i]), int(c.det_off[r, i])
                out[r, i, s0 : s0 + n] = c.det_pd[off : off + n]
        return out

    a, b = full(clear), full(cs)
    assert np.all(b <= a)
    assert np.any(b < a)


def test_jamming_raises_leakers_paired_and_kernel_equals_oracle() -> None:
    kw: dict[str, Any] = {"threats": 8, "m": 2, "n": 3, "sspk": 0.7, "max_engagements": 2}
    kw["sls"] = True
    clear = compile_scenario(_jammed([], **kw))
    cs = compile_scenario(_jammed([{**SSJ, "erp_w": 1000.0}], **kw))
    a = run_replications(clear, seed=5, first=0, count=200)[:, COL_LEAKERS]
    b = run_replications(cs, seed=5, first=0, count=200)[:, COL_LEAKERS]
    diff = b - a
    assert diff.mean() > 0.0
    # Paired (same seed) and significant: the 95 % lower bound of the mean difference.
    assert diff.mean() - 1.96 * diff.std(ddof=1) / math.sqrt(diff.size) > 0.0
    np.testing.assert_array_equal(
        run_replications(cs, seed=5, first=3, count=20),
        run_replications_py(cs, seed=5, first=3, count=20),
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d["batteries"][0]["radars"][0].pop("receiver"), "receiver", "no receiver"),
        (lambda d: d["jammers"][0].update(carried_by="nothing"), "carried_by", "names no threat"),
        (lambda d: d["jammers"][0].update(kind="stand_off"), "position", "needs a position"),
    ],
)
def test_bad_jammer_input_names_the_field(change: Any, field: str, words: str) -> None:
    data = _jammed([SSJ]).model_dump()
    change(data)
    with pytest.raises(InputError) as err:
        scenario_from_data(data)
    assert field in str(err.value.location.field) and words in str(err.value)


def test_radar_receiver_physics_is_consistent_with_reference_form() -> None:
    """The reference SNR used above is the radar equation's (20.53 dB at 100 km)."""
    snr = radar.snr_db(
        freq_hz=FREQ_HZ,
        range_m=REF_RANGE_M,
        peak_power_w=PT_W,
        pulse_width_s=TAU_S,
        gain_db=GAIN_DB,
        noise_temp_k=TS_K,
    )
    assert float(snr) == pytest.approx(SNR_REF_DB, abs=1e-12)
    assert abs(SNR_REF_DB - 20.53) < 0.01


def test_jammer_cards_in_a_file_and_a_bad_line(tmp_path: Any) -> None:
    """Cards resolve under ``jammers:``; a bad carrier is one line naming file, line, field."""
    from pathlib import Path

    from shieldlab.scenario import load_scenario

    builtin = Path(__file__).parents[2] / "src/shieldlab/scenario/builtin"
    text = (builtin / "four-batteries.yaml").read_text()
    good = text + (
        "jammers:\n"
        "  - card: generic-self-screening-jammer\n"
        "    name: ssj\n"
        "    carried_by: generic-cruise-missile\n"
        "  - card: generic-stand-off-jammer\n"
        "    name: soj\n"
        "    position: {lat_deg: -18.0, lon_deg: -15.0, alt_m: 9000}\n"
    )
    f = tmp_path / "jam.yaml"
    f.write_text(good)
    sc = load_scenario(f)
    assert [j.kind for j in sc.jammers] == ["self_screening", "stand_off"]
    assert sc.jammers[1].erp_w == 1.0e5
    f.write_text(good.replace("carried_by: generic-cruise-missile", "carried_by: no-such-type"))
    with pytest.raises(InputError) as err:
        load_scenario(f)
    line = good.splitlines().index("    carried_by: generic-cruise-missile") + 1
    assert err.value.location.line == line
    assert "jammers.0.carried_by" in str(err.value) and str(f) in str(err.value)
