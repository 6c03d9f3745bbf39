"""Synthetic action tables with an RL arm and a reference arm that see the same public signal.

Each seed has one public signal (a sticky chain on {-1, 0, 1}, like the sign of a price trend;
every chain keeps its last action with probability `stay`, 0.8 by default: runs of ~5 steps).
Every agent, RL or reference, follows it (times its style's sign: momentum and adaptive +1,
mean reversion -1) on a share `signal` of the steps and otherwise plays its own sticky chain with
the same marginal, so a pair's correlation is about +-signal^2 in both arms: common information,
not herding. RL agents can also copy a common action on a share `copy` of the steps (the action of
an informed leader that follows the same signal), which is herding beyond the common information:
a pair's correlation rises by about copy^2 (1 -+ signal^2). With replicates, each trained policy's
share of signal-following varies: signal_r^2 = signal^2 + a_r, a_r ~ N(0, replicate_sd), so the
excess alignment varies from policy to policy around a mean of 0 (when copy = 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipeline.hypotheses.synthetic import SCENARIOS, markov_actions

STYLE_SIGNS = {"momentum": 1, "mean_reversion": -1, "adaptive": 1}


def _signal_shares(rng: np.random.Generator, signal: float, k: int, sd: float) -> NDArray:
    """Per-replicate share of signal-following steps, signal_r = sqrt(signal^2 + a_r)."""
    if not 0.0 <= signal <= 1.0:
        raise ValueError(f"signal must be in [0, 1], got {signal!r}")
    shift = rng.normal(0.0, sd, k) if sd > 0 else np.zeros(k)
    return np.sqrt(np.clip(signal**2 + shift, 0.0, 1.0))


def _arm(
    rng: np.random.Generator,
    public: NDArray[np.int8],
    signs: NDArray[np.int8],
    share: NDArray[np.float64],
    stay: float,
) -> NDArray[np.int8]:
    """(arms, seeds, agents, steps) actions: the signed public signal with prob share, else own."""
    n_arms = share.size
    n_seeds, n_steps = public.shape
    shape = (n_arms, n_seeds, signs.size)
    own = markov_actions(rng, shape, n_steps, stay)
    follow = rng.random((*shape, n_steps)) < share[:, None, None, None]
    signed = (signs[:, None] * public[:, None, :]).astype(np.int8)
    return np.where(follow, signed[None], own)


def synthetic_herding(
    rng: np.random.Generator,
    n_seeds: int = 10,
    n_steps: int = 1000,
    styles: Sequence[str] = ("momentum", "mean_reversion", "adaptive"),
    *,
    signal: float = 0.5,
    copy: float = 0.0,
    stay: float = 0.8,
    n_replicates: int = 1,
    replicate_sd: float = 0.0,
    with_styles: bool = True,
) -> pd.DataFrame:
    """Action table [scenario, seed, step, agent, action(, style, replicate)], rl and baseline.

    Agents are named `<style>_<i>`; the baseline (reference) rows are repeated per replicate.
    """
    k, n_agents = n_replicates, len(styles)
    signs = np.array([STYLE_SIGNS[s] for s in styles], dtype=np.int8)
    public = markov_actions(rng, (n_seeds,), n_steps, stay)
    reference = _arm(rng, public, signs, np.array([signal]), stay)[0]
    shares = _signal_shares(rng, signal, k, replicate_sd)
    rl = _arm(rng, public, signs, shares, stay)
    if copy > 0:
        # the common action is itself an informed trader's (it follows the signal like the
        # agents do), so copying it adds alignment on top of the common information
        leader = _arm(rng, public, np.ones(1, dtype=np.int8), shares, stay)  # (K, S, 1, T)
        copying = rng.random(rl.shape) < copy
        rl = np.where(copying, leader, rl)
    actions = np.concatenate([rl, np.broadcast_to(reference, rl.shape)])  # (2K, S, A, T)
    names = np.array([f"{s}_{i}" for i, s in enumerate(styles)])
    per_arm = n_seeds * n_agents * n_steps
    columns: dict[str, object] = {
        "scenario": pd.Categorical.from_codes(
            np.repeat(np.array([0, 1], dtype=np.int8), k * per_arm),
            dtype=pd.CategoricalDtype(SCENARIOS),
        ),
        "seed": np.tile(np.repeat(np.arange(n_seeds), n_agents * n_steps), 2 * k),
        "step": np.tile(np.arange(n_steps), 2 * k * n_seeds * n_agents),
        "agent": np.tile(np.repeat(names, n_steps), 2 * k * n_seeds),
        "action": actions.ravel().astype(np.int64),
    }
    if with_styles:
        columns["style"] = np.tile(np.repeat(np.asarray(styles), n_steps), 2 * k * n_seeds)
    if k > 1:
        columns["replicate"] = np.tile(np.repeat(np.arange(k), per_arm), 2)
    return pd.DataFrame(columns)
