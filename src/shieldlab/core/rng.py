"""Counter-based random numbers keyed by (seed, replication, entity, event kind, event index).

Every random draw in the engine is a pure function of its key, never the next value of a
shared stream. Results therefore do not depend on batch size, worker count or the order in
which replications run, and two variants of a scenario see the same draw for the same event
(common random numbers).

The mixing function is the finaliser of SplitMix64 (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014; constants from Vigna's public-domain
``splitmix64.c``). Each key component is mixed in turn with its own odd offset, so that
swapping two components changes the result. The top 53 bits give a double in [0, 1).

The compiled functions (``mix64``, ``rep_key``, ``uniform``, ``normal``) are called inside
numba kernels; ``uniform_np`` is the same function on numpy arrays (tests, the Python
oracle), bit for bit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
# One odd offset per key position so that (a, b) and (b, a) give different keys.
_K_SEED = np.uint64(0x243F6A8885A308D3)
_K_REP = np.uint64(0x13198A2E03707345)
_K_ENTITY = np.uint64(0xA4093822299F31D1)
_K_KIND = np.uint64(0x082EFA98EC4E6C89)
_K_INDEX = np.uint64(0x452821E638D01377)
_TWO_M53 = 1.0 / 9007199254740992.0

# Event kinds (the "kind" component of a key). Keep values stable: changing one changes
# every result drawn with it.
KIND_DETECT = 1
KIND_KILL = 2
KIND_TRACK_NOISE = 3
KIND_ASSESS = 4


@njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche mix of a 64-bit word."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def rep_key(seed: int, replication: int) -> np.uint64:
    """Key of one replication's streams: mix(mix(seed) ^ replication)."""
    h = mix64(np.uint64(seed) + _K_SEED)
    return mix64(h ^ (np.uint64(replication) + _K_REP))


@njit(cache=True)
def stream_key(key: np.uint64, entity: int, kind: int) -> np.uint64:
    """Key of one (entity, event kind) stream of a replication: hoists two mixes out of loops."""
    h = mix64(np.uint64(key) ^ (np.uint64(entity) + _K_ENTITY))
    return mix64(h ^ (np.uint64(kind) + _K_KIND))


@njit(cache=True)
def uniform_at(stream: np.uint64, index: int) -> float:
    """Draw ``index`` of a stream (``uniform_at(stream_key(k, e, kind), i)`` is ``uniform``)."""
    h = mix64(np.uint64(stream) ^ (np.uint64(index) + _K_INDEX))
    return float(h >> _S11) * _TWO_M53


@njit(cache=True)
def uniform(key: np.uint64, entity: int, kind: int, index: int) -> float:
    """Uniform draw in [0, 1) for (replication key, entity, event kind, event index)."""
    return uniform_at(stream_key(key, entity, kind), index)


@njit(cache=True)
def normal(key: np.uint64, entity: int, kind: int, index: int) -> float:
    """Standard normal draw by Box-Muller from the draws at indices 2*index and 2*index+1."""
    u1 = uniform(key, entity, kind, 2 * index)
    u2 = uniform(key, entity, kind, 2 * index + 1)
    return float(np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2))


def _mix64_np(z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def uniform_np(
    seed: int,
    replication: npt.ArrayLike,
    entity: npt.ArrayLike,
    kind: npt.ArrayLike,
    index: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """Array twin of ``uniform(rep_key(seed, replication), entity, kind, index)``.

    Arguments broadcast against each other; all must be non-negative integers.
    """
    with np.errstate(over="ignore"):
        rep = np.asarray(replication, dtype=np.uint64)
        h = _mix64_np(np.asarray(np.uint64(seed) + _K_SEED, dtype=np.uint64))
        h = _mix64_np(h ^ (rep + _K_REP))
        h = _mix64_np(h ^ (np.asarray(entity, dtype=np.uint64) + _K_ENTITY))
        h = _mix64_np(h ^ (np.asarray(kind, dtype=np.uint64) + _K_KIND))
        h = _mix64_np(h ^ (np.asarray(index, dtype=np.uint64) + _K_INDEX))
        return np.asarray((h >> _S11).astype(np.float64) * _TWO_M53, dtype=np.float64)


_MASK64 = (1 << 64) - 1


def _mix64_py(z: int) -> int:
    z &= _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def rep_key_py(seed: int, replication: int) -> int:
    """Plain-Python twin of :func:`rep_key` (Python integers, no numba)."""
    h = _mix64_py(int(seed) + int(_K_SEED))
    return _mix64_py(h ^ ((int(replication) + int(_K_REP)) & _MASK64))


def uniform_py(key: int, entity: int, kind: int, index: int) -> float:
    """Plain-Python twin of :func:`uniform`, bit for bit."""
    h = _mix64_py(int(key) ^ ((int(entity) + int(_K_ENTITY)) & _MASK64))
    h = _mix64_py(h ^ ((int(kind) + int(_K_KIND)) & _MASK64))
    h = _mix64_py(h ^ ((int(index) + int(_K_INDEX)) & _MASK64))
    return (h >> 11) * _TWO_M53
