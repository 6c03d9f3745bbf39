"""Synthetic market and action tables with planted effects, for known-answer tests and benchmarks.

Markets: GARCH(1,1) log returns (volatility clustering) whose shocks are partly common to the two
scenarios of a seed (like common random numbers); AR(1) log spread and depth that jump in stress
windows and decay back afterwards. Actions: sticky Markov chains on {-1, 0, 1}, independent across
agents unless a share `herd` of each agent's steps copies a common leader chain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray


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
    """Stationary AR(1) paths along the last axis."""
    eps = rng.standard_normal(shape) * sd
    x = np.empty(shape)
    x[..., 0] = eps[..., 0] / np.sqrt(1.0 - phi**2)
    for t in range(1, shape[-1]):
        x[..., t] = phi * x[..., t - 1] + eps[..., t]
    return x


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


def synthetic_market(
    rng: np.random.Generator,
    n_seeds: int = 20,
    n_steps: int = 500,
    vol_ratio: float = 1.0,
    spread_ratio: float = 1.0,
    depth_ratio: float = 1.0,
    common: float = 0.7,
    windows: Sequence[tuple[int, int]] = ((150, 30), (350, 30)),
) -> pd.DataFrame:
    """Market table [scenario, seed, step, mid, spread, depth, stress] with planted rl effects.

    vol_ratio scales rl returns; spread_ratio / depth_ratio scale rl spread / depth during stress.
    """
    z_common = rng.standard_normal((1, n_seeds, n_steps))
    z_own = rng.standard_normal((2, n_seeds, n_steps))
    shocks = np.sqrt(common) * z_common + np.sqrt(1.0 - common) * z_own
    r = garch_paths(shocks.reshape(2 * n_seeds, n_steps)).reshape(2, n_seeds, n_steps)
    r[0] *= vol_ratio
    mid = 100.0 * np.exp(np.cumsum(r, axis=-1))
    flag, intensity = stress_profile(n_steps, windows, decay=10.0)
    noise = np.sqrt(common) * _ar1(rng, (1, 2, n_seeds, n_steps), 0.9, 0.05) + np.sqrt(
        1.0 - common
    ) * _ar1(rng, (2, 2, n_seeds, n_steps), 0.9, 0.05)
    spread = 0.02 * np.exp(noise[:, 0] + np.log(2.0) * intensity)
    depth = 500.0 * np.exp(noise[:, 1] - np.log(2.0) * intensity)
    spread[0] *= np.where(flag > 0, spread_ratio, 1.0)
    depth[0] *= np.where(flag > 0, depth_ratio, 1.0)
    size = n_seeds * n_steps
    return pd.DataFrame(
        {
            "scenario": np.repeat(["rl", "baseline"], size),
            "seed": np.tile(np.repeat(np.arange(n_seeds), n_steps), 2),
            "step": np.tile(np.arange(n_steps), 2 * n_seeds),
            "mid": mid.ravel(),
            "spread": spread.ravel(),
            "depth": depth.ravel(),
            "stress": np.tile(flag > 0, 2 * n_seeds),
        }
    )


def markov_actions(
    rng: np.random.Generator, shape: tuple[int, int], n_steps: int, stay: float
) -> NDArray[np.int8]:
    """Sticky chains on {-1, 0, 1}: keep the last action with probability `stay`, else redraw."""
    out = np.empty((*shape, n_steps), dtype=np.int8)
    out[..., 0] = rng.integers(-1, 2, size=shape)
    redraw = rng.random((*shape, n_steps)) >= stay
    fresh = rng.integers(-1, 2, size=(*shape, n_steps))
    for t in range(1, n_steps):
        out[..., t] = np.where(redraw[..., t], fresh[..., t], out[..., t - 1])
    return out


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
