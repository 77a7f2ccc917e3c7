"""Benchmark the vectorised closed forms against baselines run in the same process.

1. ``pd_from_snr`` (Swerling 0, exact) on 10^6 random (SNR, Pfa) pairs against scipy's
   ``ncx2.sf`` evaluated on the same inputs (threshold computed outside its timing), for
   N = 1 and N = 10 pulses; plus the Swerling 1-4 closed forms on the same pairs.
2. ``leakage`` (vectorised) on 10^6 (threats, shots, SSPK, inventory) rows against a plain
   Python loop over the same formula (timed on a slice and scaled).

Usage: ``python benchmarks/bench_analytic.py [--quick]`` (``--quick``: 10^5 pairs).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats

from shieldlab import analytic
from shieldlab.core import radar


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 pairs instead of 10^6")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    repeat = 2 if args.quick else 3
    rng = np.random.default_rng(12345)
    snr_db = rng.uniform(-10.0, 25.0, n)
    pfa = 10.0 ** rng.uniform(-10.0, -2.0, n)
    snr = 10.0 ** (snr_db / 10.0)

    rows: list[tuple[str, float, float]] = []
    for pulses in (1, 10):
        thr = special.gammainccinv(pulses, pfa)

        def ours(pulses: int = pulses) -> Any:
            return radar.pd_from_snr(snr_db, pfa, pulses, 0)

        def base(pulses: int = pulses, thr: Any = thr) -> Any:
            return stats.ncx2.sf(2.0 * thr, 2.0 * pulses, 2.0 * pulses * snr)

        t_ours, p_ours = best_of(ours, repeat)
        t_base, p_base = best_of(base, repeat)
        err = float(np.max(np.abs(p_ours - p_base)))
        label = f"pd_from_snr SW0 N={pulses} vs ncx2.sf (max |dPd| {err:.1e})"
        rows.append((label, t_ours, t_base))
    t_sw0, _ = best_of(lambda: radar.pd_from_snr(snr_db, pfa, 10, 0), repeat)
    for sw in (1, 2, 3, 4):
        t_sw, _ = best_of(lambda sw=sw: radar.pd_from_snr(snr_db, pfa, 10, sw), repeat)
        rows.append((f"pd_from_snr SW{sw} N=10 vs SW0 N=10", t_sw, t_sw0))

    threats = rng.integers(1, 200, n)
    shots = rng.integers(1, 5, n)
    sspk = rng.uniform(0.3, 0.95, n)
    inventory = rng.integers(0, 600, n)
    t_vec, res = best_of(
        lambda: analytic.leakage(threats, shots, sspk, p_detect=0.95, interceptors=inventory),
        repeat,
    )
    m = min(n, 20_000)
    th_l, sh_l, ss_l, inv_l = (x[:m].tolist() for x in (threats, shots, sspk, inventory))

    def loop() -> list[float]:
        out = []
        for nt, s, p, i in zip(th_l, sh_l, ss_l, inv_l, strict=True):
            engaged = min(nt, i // s)
            pk = 0.95 * (1.0 - (1.0 - p) ** s)
            out.append(engaged * (1.0 - pk) + (nt - engaged))
        return out

    t_loop, ref = best_of(loop, repeat)
    assert np.allclose(res.expected_leakers[:m], ref)
    rows.append(("leakage (vectorised) vs Python loop", t_vec, t_loop * n / m))

    print(f"shieldlab analytic benchmark: {n:,} evaluations per row, best of {repeat}")
    print(f"{'case':<62} {'ours (s)':>9} {'baseline (s)':>13} {'ratio':>7}")
    for name, t_a, t_b in rows:
        print(f"{name:<62} {t_a:9.3f} {t_b:13.3f} {t_a / t_b:7.2f}")
    print("ratio = ours / baseline (below 1: faster than the baseline)")


if __name__ == "__main__":
    main()
