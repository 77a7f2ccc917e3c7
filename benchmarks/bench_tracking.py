"""Tracking accuracy and speed: shieldlab against Stone Soup on the same plots.

Truth: constant-velocity and manoeuvring (coordinated-turn) targets that appear and
disappear; plots with Pd < 1 and uniform clutter. Both trackers get the same plots and the
same configuration: Kalman filter with a constant-velocity model (same q), Mahalanobis
gating at the same distance, global nearest neighbour by 2-D assignment
(``GNNWith2DAssignment``), three-plot initiation (``MultiMeasurementInitiator(min_points=3)``
vs ``MOfNInitiator(m=3, n=0)``) and deletion after 3 missed updates
(``UpdateTimeStepsDeleter(3)`` vs ``MissedUpdatesDeleter(3)``).

Reported per size (targets x scans): mean GOSPA (c = 2 km, p = 2, alpha = 2) over scans with
its localisation / missed / false parts, and wall times:

* ``shieldlab lib``: :func:`shieldlab.tracking.replay.replay` in this process;
* ``shieldlab track``: the whole ``shieldlab track`` process (start-up, CSV in, CSV out);
* ``Stone Soup``: its tracking loop (``for time, tracks in tracker``), detections built
  beforehand and not timed.

After the table, the ``shieldlab track`` process's wall time is split into start-up (Python
and the command line, before the command body runs), imports (numpy and the tracker), read,
track and write, from the timings in its ``--json`` summary; the load average is printed too.

The shieldlab rows give the median of ``--repeats`` runs (default 3; the machine this was
written on is shared, and a short process is easily disturbed); Stone Soup runs once.

Run ``python benchmarks/bench_tracking.py`` (full: 10, 30, 100 targets x 200 scans) or with
``--quick`` (10 targets x 50 scans). Needs ``pip install stonesoup`` (the ``bench`` extra)
for the comparison; without it only shieldlab is timed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shieldlab.tracking import (
    GNN,
    CartesianPosition,
    ConstantVelocity,
    KalmanFilter,
    MahalanobisGater,
    MissedUpdatesDeleter,
    MOfNInitiator,
    Scan,
    Tracker,
)
from shieldlab.tracking.metrics import Frame, gospa, track_continuity
from shieldlab.tracking.peers import stonesoup_gnn_tracker, stonesoup_state
from shieldlab.tracking.replay import replay

SCAN_PERIOD_S = 1.0
SIGMA_M = 50.0
P_DETECT = 0.9
CLUTTER_PER_SCAN = 20.0
Q_M2_S3 = 5.0
GATE = 3.0
SPEED_SIGMA_MPS = 300.0
MISSES = 3
MIN_POINTS = 3
BOX_LO = np.array([-60e3, -60e3, 0.0])
BOX_HI = np.array([60e3, 60e3, 12e3])
C_M, P_ORDER, ALPHA = 2000.0, 2.0, 2.0


@dataclass(frozen=True, kw_only=True)
class Scenario:
    times_s: np.ndarray  # (K,)
    truth: list[np.ndarray]  # per scan (n_k, 3) positions of targets alive
    truth_ids: list[np.ndarray]
    plots: list[np.ndarray]  # per scan (m_k, 3)


def make_scenario(n_targets: int, n_scans: int, seed: int) -> Scenario:
    """Targets born in the first half, living 1/3 to all of the run; 1/3 manoeuvre."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_scans) * SCAN_PERIOD_S
    birth = rng.integers(0, max(n_scans // 2, 1), n_targets)
    life = rng.integers(max(n_scans // 3, 2), n_scans + 1, n_targets)
    death = np.minimum(birth + life, n_scans)
    pos = rng.uniform([-40e3, -40e3, 1e3], [40e3, 40e3, 10e3], (n_targets, 3))
    speed = rng.uniform(150.0, 300.0, n_targets)
    heading = rng.uniform(0.0, 2.0 * math.pi, n_targets)
    turning = rng.random(n_targets) < 1.0 / 3.0
    turn_rate = np.where(turning, rng.choice([-1.0, 1.0], n_targets) * math.radians(3.0), 0.0)
    truth, ids, plots = [], [], []
    for k in range(n_scans):
        alive = (birth <= k) & (k < death)
        # Manoeuvring targets turn for 20 s in every 60 s of their life.
        in_turn = ((k - birth) % 60) < 20
        heading = heading + np.where(in_turn, turn_rate, 0.0) * SCAN_PERIOD_S
        vel = np.column_stack(
            [speed * np.sin(heading), speed * np.cos(heading), np.zeros(n_targets)]
        )
        if k:
            pos = pos + vel * SCAN_PERIOD_S
        idx = np.flatnonzero(alive)
        truth.append(pos[idx].copy())
        ids.append(idx)
        det = idx[rng.random(idx.size) < P_DETECT]
        z = pos[det] + rng.normal(0.0, SIGMA_M, (det.size, 3))
        clutter = rng.uniform(BOX_LO, BOX_HI, (rng.poisson(CLUTTER_PER_SCAN), 3))
        allp = np.vstack([z, clutter])
        plots.append(allp[rng.permutation(allp.shape[0])])
    return Scenario(times_s=t, truth=truth, truth_ids=ids, plots=plots)


def write_csv(sc: Scenario, path: Path) -> None:
    rows = []
    for t, z in zip(sc.times_s, sc.plots, strict=True):
        for p in z:
            rows.append(f"{t:.3f},R1,{p[0]:.3f},{p[1]:.3f},{p[2]:.3f}")
    path.write_text("time_s,sensor_id,x_m,y_m,z_m\n" + "\n".join(rows) + "\n")


def scores(sc: Scenario, estimates: Estimates) -> dict[str, float]:
    """Mean GOSPA and its parts over scans; ID switches, breaks, mean time to track."""
    parts = np.array(
        [
            (r.distance, r.localisation, r.missed, r.false)
            for r in (
                gospa(x, y, c=C_M, p=P_ORDER, alpha=ALPHA)
                for x, (_, y) in zip(sc.truth, estimates, strict=True)
            )
        ]
    )
    frames = [
        Frame(time_s=float(t), truth_ids=ids, truth_pos=x, track_ids=tid, track_pos=y)
        for t, ids, x, (tid, y) in zip(sc.times_s, sc.truth_ids, sc.truth, estimates, strict=True)
    ]
    cont = track_continuity(frames, c=C_M)
    return {
        "gospa": float(parts[:, 0].mean()),
        "loc": float(parts[:, 1].mean()),
        "missed": float(parts[:, 2].mean()),
        "false": float(parts[:, 3].mean()),
        "switches": cont.id_switches,
        "breaks": cont.breaks,
        "ttt": cont.mean_time_to_track_s,
    }


def shieldlab_tracker() -> Tracker:
    return Tracker(
        filter=KalmanFilter(motion=ConstantVelocity(q=Q_M2_S3)),
        gater=MahalanobisGater(max_distance=GATE),
        associator=GNN(cost="distance"),
        initiator=MOfNInitiator(m=MIN_POINTS, n=0, velocity_sigma_mps=SPEED_SIGMA_MPS),
        deleter=MissedUpdatesDeleter(max_misses=MISSES),
    )


def run_shieldlab(sc: Scenario) -> tuple[Estimates, float, float]:
    r = np.eye(3) * SIGMA_M**2
    model = CartesianPosition()
    scans = [
        Scan(time_s=float(t), z=z, r=r, model=model)
        for t, z in zip(sc.times_s, sc.plots, strict=True)
    ]
    tracker = shieldlab_tracker()
    t0, c0 = time.perf_counter(), time.process_time()
    res = replay(tracker, scans)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return _rows_to_estimates(sc, res.rows), elapsed, cpu


Estimates = list[tuple[np.ndarray, np.ndarray]]  # per scan: (track ids, positions (n, 3))


def _rows_to_estimates(sc: Scenario, rows: np.ndarray) -> Estimates:
    out = []
    for t in sc.times_s:
        sel = rows[:, 0] == t
        out.append((rows[sel, 1].astype(np.int64), rows[sel, 2:5]))
    return out


def _children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_shieldlab_cli(
    sc: Scenario, tmp: Path, parts: list[dict[str, float]] | None = None
) -> tuple[Estimates, float, float]:
    """Time the ``shieldlab track`` process; ``parts`` collects where its wall time went
    (start-up before the command runs, then the ``--json`` summary's import/read/track/write).
    """
    det = tmp / "detections.csv"
    out = tmp / "tracks.csv"
    write_csv(sc, det)
    cmd = [
        sys.executable, "-m", "shieldlab.cli.main", "track", str(det), "--out", str(out),
        "--measurement-sigma-m", str(SIGMA_M), "--process-noise", str(Q_M2_S3),
        "--gate", str(GATE), "--confirm", str(MIN_POINTS), "--delete-after", str(MISSES),
        "--initial-speed-sigma-mps", str(SPEED_SIGMA_MPS), "--json",
    ]  # fmt: skip
    t0, c0 = time.perf_counter(), _children_cpu_s()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - t0, _children_cpu_s() - c0
    if parts is not None:
        summary = json.loads(proc.stdout)
        parts.append(
            {
                "wall": elapsed,
                "start-up": elapsed - summary["seconds"],
                **{k: summary[f"{k}_s"] for k in ("import", "read", "track", "write")},
            }
        )
    rows = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
    return _rows_to_estimates(sc, rows), elapsed, cpu


def run_stonesoup(sc: Scenario) -> tuple[Estimates, float, float] | None:
    try:
        import stonesoup  # noqa: F401
    except ImportError:
        return None
    tracker = stonesoup_gnn_tracker(
        sc.plots,
        sc.times_s,
        sigma_m=SIGMA_M,
        q=Q_M2_S3,
        gate=GATE,
        speed_sigma_mps=SPEED_SIGMA_MPS,
        misses=MISSES,
        min_points=MIN_POINTS,
    )
    raw = []
    t0, c0 = time.perf_counter(), time.process_time()
    for _, tracks in tracker:
        raw.append([(tr.id, stonesoup_state(tr)[:3]) for tr in tracks])
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    number: dict[str, int] = {}
    estimates = [
        (
            np.array([number.setdefault(i, len(number)) for i, _ in scan], dtype=np.int64),
            np.array([p for _, p in scan]).reshape(-1, 3),
        )
        for scan in raw
    ]
    return estimates, elapsed, cpu


def run_variants(sizes: list[int], n_scans: int, seed: int) -> None:
    """shieldlab's own options on the same plots: GNN/JPDA x constant velocity/IMM."""
    from shieldlab.tracking import JPDA, ConstantAcceleration, IMMFilter

    lam = CLUTTER_PER_SCAN / float(np.prod(BOX_HI - BOX_LO))
    cv = KalmanFilter(motion=ConstantVelocity(q=Q_M2_S3))
    imm = IMMFilter(models=(ConstantVelocity(q=Q_M2_S3), ConstantAcceleration(q=Q_M2_S3)))
    variants = [
        ("GNN + Kalman CV", GNN(), cv),
        ("JPDA + Kalman CV", JPDA(p_detect=P_DETECT, clutter_density=lam), cv),
        ("GNN + IMM CV/CA", GNN(), imm),
        ("JPDA + IMM CV/CA", JPDA(p_detect=P_DETECT, clutter_density=lam), imm),
    ]
    print(f"{'targets':>7} {'variant':<18} {'GOSPA m':>8} {'IDsw':>5} {'brk':>4} {'time s':>7}")
    for n in sizes:
        sc = make_scenario(n, n_scans, seed + n)
        scans = [
            Scan(time_s=float(t), z=z, r=np.eye(3) * SIGMA_M**2, model=CartesianPosition())
            for t, z in zip(sc.times_s, sc.plots, strict=True)
        ]
        for name, assoc, filt in variants:
            tracker = Tracker(
                filter=filt,
                gater=MahalanobisGater(max_distance=GATE),
                associator=assoc,
                tentative_associator=GNN(),
                initiator=MOfNInitiator(m=MIN_POINTS, n=0, velocity_sigma_mps=SPEED_SIGMA_MPS),
                deleter=MissedUpdatesDeleter(max_misses=MISSES),
            )
            t0 = time.perf_counter()
            res = replay(tracker, scans)
            elapsed = time.perf_counter() - t0
            g = scores(sc, _rows_to_estimates(sc, res.rows))
            print(
                f"{n:>7} {name:<18} {g['gospa']:>8.1f} {g['switches']:>5d} {g['breaks']:>4d} "
                f"{elapsed:>7.3f}",
                flush=True,
            )


def _median_of(
    repeats: int, run: Callable[[], tuple[Estimates, float, float]]
) -> tuple[Estimates, float, float]:
    """Run ``repeats`` times (same result each time); median wall and CPU time."""
    runs = [run() for _ in range(max(repeats, 1))]
    return (
        runs[0][0],
        float(np.median([r[1] for r in runs])),
        float(np.median([r[2] for r in runs])),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 targets x 50 scans only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--scans", type=int, default=None)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeats", type=int, default=3, help="shieldlab runs per size (median time)")
    ap.add_argument(
        "--variants", action="store_true", help="compare shieldlab's GNN/JPDA x CV/IMM instead"
    )
    args = ap.parse_args()
    sizes = args.sizes or ([10] if args.quick else [10, 30, 100])
    n_scans = args.scans or (50 if args.quick else 200)
    if args.variants:
        run_variants(sizes, n_scans, args.seed)
        return
    print(
        f"GOSPA c={C_M:g} m p={P_ORDER:g} alpha={ALPHA:g}; sigma={SIGMA_M:g} m, Pd={P_DETECT}, "
        f"clutter={CLUTTER_PER_SCAN:g}/scan, q={Q_M2_S3:g} m^2/s^3, {n_scans} scans of "
        f"{SCAN_PERIOD_S:g} s"
    )
    header = (
        f"{'targets':>7} {'tracker':<16} {'GOSPA m':>8} {'loc':>8} {'missed':>8} "
        f"{'false':>8} {'IDsw':>5} {'brk':>4} {'ttt s':>6} "
        f"{'wall s':>8} {'cpu s':>8} {'x wall':>7} {'x cpu':>7}"
    )
    print(header)
    print("-" * len(header))
    parts: dict[int, list[dict[str, float]]] = {}
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for n in sizes:
            sc = make_scenario(n, n_scans, args.seed + n)
            results = [
                ("shieldlab lib", *_median_of(args.repeats, lambda sc=sc: run_shieldlab(sc))),
                (
                    "shieldlab track",
                    *_median_of(
                        args.repeats,
                        lambda sc=sc, n=n: run_shieldlab_cli(sc, tmp, parts.setdefault(n, [])),
                    ),
                ),
            ]
            ss = run_stonesoup(sc)
            if ss is None:
                print("(Stone Soup not installed: pip install stonesoup to compare)")
                t_ss = c_ss = float("nan")
            else:
                results.append(("Stone Soup", *ss))
                t_ss, c_ss = ss[1], ss[2]
            for name, est, t, c in results:
                g = scores(sc, est)
                print(
                    f"{n:>7} {name:<16} {g['gospa']:>8.1f} {g['loc']:>8.3g} "
                    f"{g['missed']:>8.3g} {g['false']:>8.3g} {g['switches']:>5d} "
                    f"{g['breaks']:>4d} {g['ttt']:>6.2f} {t:>8.3f} {c:>8.3f} "
                    f"{t_ss / t:>6.1f}x {c_ss / c:>6.1f}x",
                    flush=True,
                )
    print(
        "GOSPA parts: means over scans of the p-th powers (m^2). IDsw, brk: ID switches and\n"
        "breaks (CLEAR-MOT matching within c); ttt: mean time from appearance to first matched\n"
        "confirmed track. x wall / x cpu: Stone Soup's time over the row's (cpu = user +\n"
        "system time of the process doing the work)."
    )
    keys = ["wall", "start-up", "import", "read", "track", "write"]
    print(
        f"\n`shieldlab track` process, where the wall time goes (median of {args.repeats} runs, s;"
        "\nstart-up: Python and the shieldlab command line before the command runs; import:"
        "\nnumpy and the tracker; read: CSV in and checked; track: the tracker; write: CSV out)"
    )
    print(f"{'targets':>7} " + " ".join(f"{k:>8}" for k in keys))
    for n, runs in parts.items():
        print(f"{n:>7} " + " ".join(f"{np.median([r[k] for r in runs]):>8.3f}" for k in keys))
    print(f"load average (1 min): {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
