"""Synthetic market and action tables with planted effects, for known-answer tests and benchmarks.

Markets: GARCH(1,1) log returns (volatility clustering) whose shocks are partly common to the two
scenarios of a seed (like common random numbers); AR(1) log spread and depth that jump in stress
windows and decay back afterwards; optional replicates (trained policies) whose effects vary by
N(0, replicate_sd) on the log scale around the planted one, with the baseline shared by all of
them; optional one-sided-book steps in stress. Actions: sticky Markov chains on {-1, 0, 1},
independent across agents unless a share `herd` of each agent's steps copies a common leader
chain (see `synthetic_herding` for RL and reference arms that share a public signal).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import signal

SCENARIOS = ["rl", "baseline"]


def garch_paths(
    shocks: NDArray[np.float64], omega: float = 2e-8, a: float = 0.08, b: float = 0.9
) -> NDArray[np.float64]:
    """GARCH(1,1) returns r_t = sqrt(h_t) z_t, h_t = omega + a r_{t-1}^2 + b h_{t-1}, per row."""
    n_paths, n_steps = shocks.shape
    h = np.full(n_paths, omega / (1.0 - a - b))
    r = np.empty_like(shocks)
    for t in range(n_steps):
        r[:, t] = np.sqrt(h) * shocks[:, t]
        h = omega + a * r[:, t] ** 2 + b * h
    return r


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], phi: float, sd: float) -> NDArray:
    """Stationary AR(1) paths along the last axis (a linear filter, no Python loop over steps)."""
    eps = rng.standard_normal(shape) * sd
    eps[..., 0] /= np.sqrt(1.0 - phi**2)
    return np.asarray(signal.lfilter([1.0], [1.0, -phi], eps, axis=-1))


def stress_profile(n_steps: int, windows: Sequence[tuple[int, int]], decay: float) -> NDArray:
    """Stress flag (n_steps,) and an intensity 1 inside windows decaying as exp(-k/decay) after."""
    flag = np.zeros(n_steps, dtype=bool)
    intensity = np.zeros(n_steps)
    for start, length in windows:
        flag[start : start + length] = True
        intensity[start : start + length] = 1.0
        after = np.arange(n_steps - start - length)
        tail = np.exp(-after / decay)
        intensity[start + length :] = np.maximum(intensity[start + length :], tail)
    return np.stack([flag.astype(float), intensity])


def _policy_shifts(rng: np.random.Generator, n_replicates: int, sd: float) -> NDArray:
    """Per-replicate log effect shifts a_r ~ N(0, sd) (zeros, no draws, when sd == 0)."""
    if sd < 0:
        raise ValueError(f"replicate_sd must be >= 0, got {sd!r}")
    return rng.normal(0.0, sd, n_replicates) if sd > 0 else np.zeros(n_replicates)


def _one_sided(
    rng: np.random.Generator, shape: tuple[int, ...], flag: NDArray, rate: float, ratio: float
) -> NDArray[np.bool_]:
    """One-sided-book flags in stress: share `rate` in the baseline, `rate * ratio` with rl.

    shape is (K + 1, S, T); the last index along the first axis is the baseline.
    """
    if rate == 0.0:
        return np.zeros(shape, dtype=bool)
    share = np.full(shape[0], rate * ratio)
    share[-1] = rate
    if not ((share >= 0) & (share <= 1)).all():
        raise ValueError(f"one_sided_rate x one_sided_ratio must be in [0, 1], got {share[0]!r}")
    return (rng.random(shape) < share[:, None, None]) & (flag > 0)


def synthetic_market(
    rng: np.random.Generator,
    n_seeds: int = 20,
    n_steps: int = 500,
    vol_ratio: float = 1.0,
    spread_ratio: float = 1.0,
    depth_ratio: float = 1.0,
    common: float = 0.7,
    windows: Sequence[tuple[int, int]] = ((150, 30), (350, 30)),
    *,
    n_replicates: int = 1,
    replicate_sd: float = 0.0,
    one_sided_rate: float = 0.0,
    one_sided_ratio: float = 1.0,
) -> pd.DataFrame:
    """Market table [scenario, seed, step, mid, spread, depth, stress(, one_sided, replicate)].

    vol_ratio scales rl returns; spread_ratio / depth_ratio scale rl spread / depth during stress.
    With n_replicates > 1 each replicate (a trained policy) has its own rl paths on the same seeds
    and its effects are shifted by a_r ~ N(0, replicate_sd) on the log scale (vol and spread x
    exp(a_r), depth x exp(-a_r)); the baseline path of a seed is shared and repeated per
    replicate. one_sided_rate > 0 flags that share of baseline stress steps (rl: x one_sided_ratio)
    as one-sided books, whose spread is the fill value 1.0 in both arms.
    """
    k = n_replicates
    z_common = rng.standard_normal((1, n_seeds, n_steps))
    z_own = rng.standard_normal((k + 1, n_seeds, n_steps))  # rl replicates ..., baseline
    shocks = np.sqrt(common) * z_common + np.sqrt(1.0 - common) * z_own
    r = garch_paths(shocks.reshape((k + 1) * n_seeds, n_steps)).reshape(k + 1, n_seeds, n_steps)
    flag, intensity = stress_profile(n_steps, windows, decay=10.0)
    noise = np.sqrt(common) * _ar1(rng, (1, 2, n_seeds, n_steps), 0.9, 0.05) + np.sqrt(
        1.0 - common
    ) * _ar1(rng, (k + 1, 2, n_seeds, n_steps), 0.9, 0.05)
    shift = _policy_shifts(rng, k, replicate_sd)[:, None, None]
    r[:k] *= vol_ratio * np.exp(shift)
    mid = 100.0 * np.exp(np.cumsum(r, axis=-1))
    spread = 0.02 * np.exp(noise[:, 0] + np.log(2.0) * intensity)
    depth = 500.0 * np.exp(noise[:, 1] - np.log(2.0) * intensity)
    spread[:k] *= np.where(flag > 0, spread_ratio * np.exp(shift), 1.0)
    depth[:k] *= np.where(flag > 0, depth_ratio * np.exp(-shift), 1.0)
    one_sided = _one_sided(rng, (k + 1, n_seeds, n_steps), flag, one_sided_rate, one_sided_ratio)
    spread = np.where(one_sided, 1.0, spread)
    pick = np.concatenate([np.arange(k), np.full(k, k)])  # rl replicates, then baseline per rep
    columns: dict[str, object] = {
        "scenario": pd.Categorical.from_codes(
            np.repeat(np.array([0, 1], dtype=np.int8), k * n_seeds * n_steps),
            dtype=pd.CategoricalDtype(SCENARIOS),
        ),
        "seed": np.tile(np.repeat(np.arange(n_seeds), n_steps), 2 * k),
        "step": np.tile(np.arange(n_steps), 2 * k * n_seeds),
        "mid": mid[pick].ravel(),
        "spread": spread[pick].ravel(),
        "depth": depth[pick].ravel(),
        "stress": np.tile(flag > 0, 2 * k * n_seeds),
    }
    if one_sided_rate > 0:
        columns["one_sided"] = one_sided[pick].ravel()
    if k > 1:
        columns["replicate"] = np.tile(np.repeat(np.arange(k), n_seeds * n_steps), 2)
    return pd.DataFrame(columns)


def markov_actions(
    rng: np.random.Generator, shape: tuple[int, ...], n_steps: int, stay: float
) -> NDArray[np.int8]:
    """Sticky chains on {-1, 0, 1}: keep the last action with probability `stay`, else redraw.

    Vectorised: the action at t is the fresh draw at the last redraw step <= t.
    """
    fresh = rng.integers(-1, 2, size=(*shape, n_steps)).astype(np.int8)
    redraw = rng.random((*shape, n_steps)) >= stay
    redraw[..., 0] = True
    last = np.maximum.accumulate(np.where(redraw, np.arange(n_steps), 0), axis=-1)
    return np.take_along_axis(fresh, last, axis=-1)


def synthetic_actions(
    rng: np.random.Generator,
    n_seeds: int = 10,
    n_steps: int = 500,
    agents: Sequence[str] = ("momentum", "mean_reversion", "adaptive"),
    stay: float = 0.95,
    herd: float = 0.0,
) -> pd.DataFrame:
    """Action table [seed, step, agent, action]; each step copies a leader with prob `herd`."""
    own = markov_actions(rng, (n_seeds, len(agents)), n_steps, stay)
    leader = markov_actions(rng, (n_seeds, 1), n_steps, stay)
    copy = rng.random(own.shape) < herd
    actions = np.where(copy, leader, own)
    n_agents = len(agents)
    return pd.DataFrame(
        {
            "seed": np.repeat(np.arange(n_seeds), n_agents * n_steps),
            "step": np.tile(np.arange(n_steps), n_seeds * n_agents),
            "agent": np.tile(np.repeat(np.asarray(agents), n_steps), n_seeds),
            "action": actions.ravel().astype(np.int64),
        }
    )
