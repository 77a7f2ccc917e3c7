"""Radar detection kernels: radar equation, required SNR, exact Pd, radar horizon.

Vectorised: every argument may be a float or a numpy array (broadcast together), and
every function returns an array of the broadcast shape. SI units; SNR in dB where the
name says so. These kernels compute wherever their formula is defined; the *validity
ranges* of the empirical formulas (Albersheim, Shnidman) are enforced one layer up, in
:mod:`shieldlab.analytic`, so that the engine can still tabulate them freely.

Detector model for :func:`pd_from_snr`: square-law detection of N pulses integrated
noncoherently, noise normalised to unit power per pulse, threshold set for the given Pfa.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]

SPEED_OF_LIGHT_MPS = 299_792_458.0
BOLTZMANN_J_PER_K = 1.380649e-23
EARTH_RADIUS_M = 6_371_000.0
_FOUR_PI_CUBED = (4.0 * np.pi) ** 3


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def db_to_linear(x_db: ArrayLike) -> FloatArray:
    """10^(x/10)."""
    return np.asarray(10.0 ** (_f(x_db) / 10.0), dtype=np.float64)


def linear_to_db(x: ArrayLike) -> FloatArray:
    """10 log10(x)."""
    with np.errstate(divide="ignore"):
        return np.asarray(10.0 * np.log10(_f(x)), dtype=np.float64)


# --------------------------------------------------------------------------- radar equation


def _equation_constant(
    freq_hz: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike,
    rcs_m2: ArrayLike,
    noise_temp_k: ArrayLike,
    loss_db: ArrayLike,
) -> FloatArray:
    """tau G^2 lambda^2 sigma / ((4 pi)^3 k Ts L): SNR = Pt * this / R^4."""
    wavelength_m = SPEED_OF_LIGHT_MPS / _f(freq_hz)
    gain = db_to_linear(gain_db)
    loss = db_to_linear(loss_db)
    return np.asarray(
        _f(pulse_width_s)
        * gain**2
        * wavelength_m**2
        * _f(rcs_m2)
        / (_FOUR_PI_CUBED * BOLTZMANN_J_PER_K * _f(noise_temp_k) * loss),
        dtype=np.float64,
    )


def snr_db(
    *,
    freq_hz: ArrayLike,
    range_m: ArrayLike,
    peak_power_w: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike = 20.0,
    rcs_m2: ArrayLike = 1.0,
    noise_temp_k: ArrayLike = 290.0,
    loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Single-pulse SNR (dB) of the monostatic radar equation.

    SNR = Pt tau G^2 lambda^2 sigma / ((4 pi)^3 k Ts L R^4), lambda = c/f, with the noise
    bandwidth taken as 1/tau (Richards, *Fundamentals of Radar Signal Processing*, 2nd ed.
    2014, ch. 2; Skolnik, *Introduction to Radar Systems*, 3rd ed. 2001, ch. 2).
    """
    c = _equation_constant(freq_hz, pulse_width_s, gain_db, rcs_m2, noise_temp_k, loss_db)
    return linear_to_db(_f(peak_power_w) * c / _f(range_m) ** 4)


def detection_range_m(
    *,
    freq_hz: ArrayLike,
    snr_db: ArrayLike,
    peak_power_w: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike = 20.0,
    rcs_m2: ArrayLike = 1.0,
    noise_temp_k: ArrayLike = 290.0,
    loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Range at which the radar equation gives the stated SNR.

    R = (Pt tau G^2 lambda^2 sigma / ((4 pi)^3 k Ts L SNR))^(1/4) (Richards 2014, ch. 2).
    """
    c = _equation_constant(freq_hz, pulse_width_s, gain_db, rcs_m2, noise_temp_k, loss_db)
    return np.asarray((_f(peak_power_w) * c / db_to_linear(snr_db)) ** 0.25, dtype=np.float64)


def peak_power_w(
    *,
    freq_hz: ArrayLike,
    range_m: ArrayLike,
    snr_db: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike = 20.0,
    rcs_m2: ArrayLike = 1.0,
    noise_temp_k: ArrayLike = 290.0,
    loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Peak power that gives the stated SNR at the stated range.

    Pt = SNR (4 pi)^3 k Ts L R^4 / (tau G^2 lambda^2 sigma) (Richards 2014, ch. 2).
    """
    c = _equation_constant(freq_hz, pulse_width_s, gain_db, rcs_m2, noise_temp_k, loss_db)
    return np.asarray(db_to_linear(snr_db) * _f(range_m) ** 4 / c, dtype=np.float64)


# --------------------------------------------------------------------------- required SNR


def albersheim_snr_db(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatArray:
    """Albersheim's estimate of the single-pulse SNR (dB) for Pd, Pfa, N pulses (Swerling 0).

    A = ln(0.62/Pfa), B = ln(Pd/(1-Pd)),
    SNR_dB = -5 log10 N + (6.2 + 4.54/sqrt(N + 0.44)) log10(A + 0.12 A B + 1.7 B)
    (Albersheim 1981, IEEE Trans. AES 17(2); Richards 2014, ch. 6). Stated accuracy
    0.2 dB for 0.1 <= Pd <= 0.9, 1e-7 <= Pfa <= 1e-3, 1 <= N <= 8096 (not enforced here).
    """
    pd_, pfa_, n = _f(pd), _f(pfa), _f(n_pulses)
    a = np.log(0.62 / pfa_)
    b = np.log(pd_ / (1.0 - pd_))
    return np.asarray(
        -5.0 * np.log10(n)
        + (6.2 + 4.54 / np.sqrt(n + 0.44)) * np.log10(a + 0.12 * a * b + 1.7 * b),
        dtype=np.float64,
    )


def shnidman_snr_db(
    pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0
) -> FloatArray:
    """Shnidman's estimate of the single-pulse SNR (dB) for Pd, Pfa, N pulses, Swerling 0-4.

    eta = sqrt(-0.8 ln(4 Pfa (1-Pfa))) + sign(Pd - 0.5) sqrt(-0.8 ln(4 Pd (1-Pd)));
    alpha = 0 for N <= 40 else 1/4; X_inf = eta (eta + 2 sqrt(N/2 + alpha - 1/4));
    C1 = (((17.7006 Pd - 18.4496) Pd + 14.5339) Pd - 3.525)/K;
    C2 = (exp(27.31 Pd - 25.14) + (Pd - 0.8)(0.7 ln(1e-5/Pfa) + (2N - 20)/80))/K;
    C_dB = C1 (Pd <= 0.872) or C1 + C2; SNR = 10^(C_dB/10) X_inf / N, with
    K = inf, 1, N, 2, 2N for Swerling 0..4 (Shnidman 2002, IEEE Trans. AES 38(3);
    Richards 2014, ch. 6). Stated accuracy about 1 dB for 0.1 <= Pd <= 0.99,
    1e-9 <= Pfa <= 1e-3, 1 <= N <= 100 (not enforced here).
    """
    if swerling not in (0, 1, 2, 3, 4):
        raise ValueError(f"swerling must be 0, 1, 2, 3 or 4, not {swerling!r}")
    pd_, pfa_, n = _f(pd), _f(pfa), _f(n_pulses)
    eta = np.sqrt(-0.8 * np.log(4.0 * pfa_ * (1.0 - pfa_))) + np.sign(pd_ - 0.5) * np.sqrt(
        -0.8 * np.log(4.0 * pd_ * (1.0 - pd_))
    )
    alpha = np.where(n <= 40, 0.0, 0.25)
    x_inf = eta * (eta + 2.0 * np.sqrt(n / 2.0 + alpha - 0.25))
    if swerling == 0:
        c_db = np.zeros(np.broadcast(pd_, pfa_, n).shape)
    else:
        # K = 1, N, 2, 2N for Swerling 1..4.
        k = n if swerling == 2 else 2.0 * n if swerling == 4 else _f(float(swerling + 1) / 2.0)
        c1 = (((17.7006 * pd_ - 18.4496) * pd_ + 14.5339) * pd_ - 3.525) / k
        c2 = (
            np.exp(27.31 * pd_ - 25.14)
            + (pd_ - 0.8) * (0.7 * np.log(1e-5 / pfa_) + (2 * n - 20) / 80)
        ) / k
        c_db = np.where(pd_ <= 0.872, c1, c1 + c2)
    return linear_to_db(db_to_linear(c_db) * x_inf / n)


# --------------------------------------------------------------------------- exact Pd


def threshold_for_pfa(pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatArray:
    """Detection threshold T on the sum of N unit-power square-law noise samples.

    The noise-only sum is Gamma(N, 1), so Pfa = Q(N, T) (regularised upper incomplete
    gamma) and T = Q^-1(N, Pfa) (Richards 2014, ch. 6; DiFranco & Rubin, *Radar
    Detection*, 1968). For N = 1, T = -ln Pfa.
    """
    return np.asarray(special.gammainccinv(_f(n_pulses), _f(pfa)), dtype=np.float64)


def _ncx2_sf(x: FloatArray, df: FloatArray, nc: FloatArray) -> FloatArray:
    """Survival function of the noncentral chi-square (Boost via scipy), nc >= 0."""
    from scipy import stats

    return np.asarray(stats.ncx2.sf(x, df, nc), dtype=np.float64)


def _log_or_neg_inf(x: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(x), dtype=np.float64)


def _pd_scan_to_scan(t: FloatArray, n: FloatArray, snr: FloatArray, shape_k: int) -> FloatArray:
    """Pd when one target-power draw s ~ Gamma(k, snr/k) holds for all N pulses (k = 1, 2).

    Given s, the integrated statistic Y is Gamma(N + K, 1) with K ~ Poisson(N s); over s,
    K is negative binomial (k, q) with q = (N snr/k)/(1 + N snr/k). With
    Q(N+m, T) = Q(N, T) + e^-T sum_{j=N}^{N+m-1} T^j/j! and the negative binomial tail,
    the sum over K closes (P = regularised lower incomplete gamma):
      k = 1 (Swerling 1): Pd = Q(N, T) + q^(1-N) e^{-(1-q) T} P(N, qT)
      k = 2 (Swerling 3): Pd = Q(N, T) + q^(1-N) e^{-(1-q) T}
                               [(1 - (N-1)(1-q)) P(N, qT) + (1-q) q T P(N-1, qT)]
    which are the closed forms of DiFranco & Rubin (1968) and Mahafza, *Radar Systems
    Analysis and Design Using MATLAB*, 3rd ed., ch. 4 (Swerling 1 with N = 1 gives
    Pfa^(1/(1+SNR))).
    """
    mean = n * snr / shape_k
    q = mean / (1.0 + mean)
    qt = q * t
    base = special.gammaincc(n, t)
    safe_q = np.where(q > 0.0, q, 1.0)
    log_pref = (1.0 - n) * np.log(safe_q) - (1.0 - q) * t
    p_n = special.gammainc(n, qt)
    if shape_k == 1:
        extra = np.exp(log_pref + _log_or_neg_inf(p_n))
    else:
        # P(0, x) = 1 (the empty sum), which scipy's gammainc(0, x) does not return.
        p_nm1 = np.where(n > 1.0, special.gammainc(np.maximum(n - 1.0, 1.0), qt), 1.0)
        bracket = (1.0 - (n - 1.0) * (1.0 - q)) * p_n + (1.0 - q) * qt * p_nm1
        # The bracket can be negative for N > 1; carry its sign outside the exponent.
        extra = np.sign(bracket) * np.exp(log_pref + _log_or_neg_inf(np.abs(bracket)))
    pd = np.where(q > 0.0, base + extra, base)
    return np.asarray(np.clip(pd, 0.0, 1.0), dtype=np.float64)


def _pd_swerling4(t: FloatArray, n: FloatArray, snr: FloatArray) -> FloatArray:
    """Swerling 4: independent per-pulse power s_i ~ Gamma(2, snr/2).

    One pulse's square-law output is a Gamma(1 + B, beta) with B ~ Bernoulli(1 - c),
    beta = 1 + snr/2, c = 1/beta (its moment generating function is c^2 (1-t)/(c-t)^2).
    The N-pulse sum is Gamma(N + B, beta) with B ~ Binomial(N, 1 - c), so
    Pd = sum_{j=0}^{N} C(N, j) (1-c)^j c^(N-j) Q(N + j, T/beta)
    (the Swerling 4 form of DiFranco & Rubin 1968 and Mahafza 3rd ed., ch. 4).
    """
    beta = 1.0 + snr / 2.0
    p1 = (snr / 2.0) / beta
    n_int = np.rint(n).astype(np.int64)
    n_max = int(n_int.max()) if n_int.size else 0
    total = np.zeros(np.broadcast(t, n, snr).shape)
    x = t / beta
    for j in range(n_max + 1):
        w = np.where(j <= n_int, special.binom(n, j) * p1**j * (1.0 - p1) ** (n - j), 0.0)
        if np.any(w > 0.0):
            total = total + w * special.gammaincc(n + j, x)
    return np.asarray(np.clip(total, 0.0, 1.0), dtype=np.float64)


def pd_from_snr(
    snr_db: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0
) -> FloatArray:
    """Exact probability of detection for N noncoherently integrated square-law pulses.

    ``snr_db`` is the mean single-pulse SNR. Threshold T = Q^-1(N, Pfa) on the sum of
    unit-power noise samples (see :func:`threshold_for_pfa`), then:
    - Swerling 0 (steady): 2Y ~ noncentral chi-square(2N, 2 N SNR), so
      Pd = Q_N(sqrt(2 N SNR), sqrt(2T)) (generalised Marcum Q; Marcum 1960, IRE Trans.
      IT-6; Richards 2014, ch. 6). N = 1: Pd = Q_1(sqrt(2 SNR), sqrt(-2 ln Pfa)).
    - Swerling 1 / 3 (scan-to-scan, chi-square 2 / 4 DOF): closed forms in N, see
      :func:`_pd_scan_to_scan`.
    - Swerling 2 (pulse-to-pulse, 2 DOF): Y ~ Gamma(N, 1 + SNR), Pd = Q(N, T/(1 + SNR)).
    - Swerling 4 (pulse-to-pulse, 4 DOF): finite binomial sum, see :func:`_pd_swerling4`.
    ``n_pulses`` must hold whole numbers >= 1; ``swerling`` is a scalar 0..4.
    """
    if swerling not in (0, 1, 2, 3, 4):
        raise ValueError(f"swerling must be 0, 1, 2, 3 or 4, not {swerling!r}")
    snr = db_to_linear(snr_db)
    pfa_ = _f(pfa)
    n = _f(n_pulses)
    if np.any(n < 1) or np.any(n != np.rint(n)):
        raise ValueError("n_pulses must be whole numbers >= 1")
    snr, pfa_, n = np.broadcast_arrays(snr, pfa_, n)
    t = threshold_for_pfa(pfa_, n)
    if swerling == 0:
        return _ncx2_sf(2.0 * t, 2.0 * n, 2.0 * n * snr)
    if swerling == 1:
        return _pd_scan_to_scan(t, n, snr, 1)
    if swerling == 3:
        return _pd_scan_to_scan(t, n, snr, 2)
    if swerling == 2:
        return np.asarray(special.gammaincc(n, t / (1.0 + snr)), dtype=np.float64)
    return _pd_swerling4(t, n, snr)


# --------------------------------------------------------------------------- horizon


def radar_horizon_m(
    antenna_height_m: ArrayLike,
    target_height_m: ArrayLike = 0.0,
    k_factor: ArrayLike = 4.0 / 3.0,
) -> FloatArray:
    """Radar horizon over a smooth Earth of effective radius k R.

    d = sqrt(2 k R h1) + sqrt(2 k R h2), R = 6371 km, k = 4/3 for standard refraction
    (Skolnik, *Introduction to Radar Systems*, 3rd ed. 2001, ch. 8; the 4/3-Earth model
    drops the small h^2 terms).
    """
    kr = _f(k_factor) * EARTH_RADIUS_M
    return np.asarray(
        np.sqrt(2.0 * kr * _f(antenna_height_m)) + np.sqrt(2.0 * kr * _f(target_height_m)),
        dtype=np.float64,
    )


def target_height_m(
    slant_range_m: ArrayLike,
    elevation_rad: ArrayLike,
    antenna_height_m: ArrayLike = 0.0,
    k_factor: ArrayLike = 4.0 / 3.0,
) -> FloatArray:
    """Height of a target seen at a slant range and elevation angle over a curved Earth.

    Law of cosines on the effective-Earth triangle (radius k R):
    h = sqrt(r^2 + (kR + ha)^2 + 2 r (kR + ha) sin(el)) - kR
    (Blake, *Radar Range-Performance Analysis*, 1980, ch. 6).
    """
    kr = _f(k_factor) * EARTH_RADIUS_M
    r = _f(slant_range_m)
    base = kr + _f(antenna_height_m)
    return np.asarray(
        np.sqrt(r**2 + base**2 + 2.0 * r * base * np.sin(_f(elevation_rad))) - kr,
        dtype=np.float64,
    )


def snr_db_for_pd(
    pd: ArrayLike,
    pfa: ArrayLike,
    n_pulses: ArrayLike = 1,
    swerling: int = 0,
    *,
    tol_db: float = 1e-6,
) -> FloatArray:
    """Exact required single-pulse SNR (dB): the inverse of :func:`pd_from_snr` in SNR.

    Pd rises monotonically with SNR for every Swerling case, so a vectorised bisection on
    SNR_dB in [-60, 80] dB converges to ``tol_db``; NaN where Pd is out of reach there
    (Pd <= Pfa or Pd >= 1). This is what Albersheim and Shnidman approximate.
    """
    pd_, pfa_, n = np.broadcast_arrays(_f(pd), _f(pfa), _f(n_pulses))
    lo = np.full(pd_.shape, -60.0)
    hi = np.full(pd_.shape, 80.0)
    ok = (pd_from_snr(lo, pfa_, n, swerling) < pd_) & (pd_from_snr(hi, pfa_, n, swerling) > pd_)
    while np.any(hi - lo > tol_db):
        mid = 0.5 * (lo + hi)
        below = pd_from_snr(mid, pfa_, n, swerling) < pd_
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.asarray(np.where(ok, 0.5 * (lo + hi), np.nan), dtype=np.float64)
