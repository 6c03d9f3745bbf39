"""The co-movement (independence) test of H3: do the agents' actions move together at all?

Statistic: mean pairwise correlation of signed actions, averaged over units. Null: within each of
`N_BLOCKS` consecutive time blocks, every agent's series is circularly shifted by its own random
offset (blocks of >= 100 steps and >= 20 runs of an unchanged action, so a very persistent
agent gets fewer, longer blocks, down to one). That keeps each agent's persistence and its action
mix block by block (agents see time
and events come at fixed steps, so the series are not stationary over a whole episode) while
breaking the agents' alignment in time. Agents reacting to the same public signal co-move, so
this test cannot tell herding from common information: it is H3's labelled secondary, or its
fallback when the table has no reference arm. Each shift's correlation is read off the blocks'
circular cross-correlations (FFT): O(pairs x steps x log steps + resamples x pairs x blocks).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pipeline.hypotheses.alignment import pair_index

N_BLOCKS = 10
MIN_BLOCK = 100
RUNS_PER_BLOCK = 20
SECONDARY_RESAMPLES = 1999  # null draws when co-movement is only H3's secondary


def canonical_order(actions: NDArray[np.int8]) -> NDArray[np.int8]:
    """Agents' rows sorted by their action series, so agent names cannot change the null draws."""
    order = sorted(range(actions.shape[0]), key=lambda i: actions[i].tobytes())
    return actions[order]


def block_bounds(actions: NDArray[np.int8]) -> NDArray[np.intp]:
    """Edges of up to N_BLOCKS equal blocks, each >= MIN_BLOCK steps and >= RUNS_PER_BLOCK runs.

    A run is a stretch of one unchanged action (the longest mean run over the agents counts):
    each block must hold many runs, or the shift's wrap-around junctions would make the shifted
    series look less persistent than they are and the null too narrow.
    """
    n_steps = actions.shape[1]
    changes = (np.diff(actions, axis=1) != 0).sum(axis=1)
    run_length = float(np.max(n_steps / (changes + 1.0)))
    length = max(MIN_BLOCK, RUNS_PER_BLOCK * run_length)
    n_blocks = int(max(1, min(N_BLOCKS, n_steps // length)))
    return np.linspace(0, n_steps, n_blocks + 1).astype(np.intp)


def block_cross_products(
    actions: NDArray[np.int8],
) -> tuple[list[NDArray[np.float64]], int] | None:
    """Per block, (pairs, lags) sums of z_i(t) z_j(t + lag, circular in the block) / T.

    z is each varying agent's globally standardised series; constant agents are left out
    (None if fewer than 2 agents vary); also the number of agents kept. Summing lag 0 over
    blocks gives each pair's correlation.
    """
    x = actions.astype(np.float64)
    sd = x.std(axis=1)
    x = x[sd > 0]
    if x.shape[0] < 2:
        return None
    z = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    i, j = pair_index(z.shape[0])
    n_steps = z.shape[1]
    edges = block_bounds(actions[sd > 0])
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        spectra = np.fft.rfft(z[:, lo:hi], axis=1)
        xcorr = np.fft.irfft(np.conj(spectra[i]) * spectra[j], n=hi - lo, axis=1)
        out.append(xcorr / n_steps)
    return out, int(z.shape[0])


def shifted_null(
    blocks: list[NDArray[np.float64]], n_agents: int, n_resamples: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Mean pairwise correlation under independent within-block shifts: (n_resamples,)."""
    i, j = pair_index(n_agents)
    n_pairs = i.size
    rows = np.arange(n_pairs)
    total = np.zeros((n_resamples, n_pairs))
    for block in blocks:
        length = block.shape[1]
        offsets = rng.integers(0, length, size=(n_resamples, n_agents))
        total += block[rows, (offsets[:, j] - offsets[:, i]) % length]
    return total.mean(axis=1)


def co_movement(
    matrices: list[NDArray[np.int8]], n_resamples: int, rng: np.random.Generator
) -> dict[str, object]:
    """The block-shift independence test over units: effect, one-sided p, per-unit excess."""
    observed, nulls, excess = [], [], []
    for actions in matrices:
        products = block_cross_products(canonical_order(actions))
        if products is None:
            excess.append(float("nan"))
            continue
        blocks, n_agents = products
        null = shifted_null(blocks, n_agents, n_resamples, rng)
        observed.append(float(np.sum([b[:, 0] for b in blocks], axis=0).mean()))
        nulls.append(null)
        excess.append(observed[-1] - float(null.mean()))
    method = (
        "independence test: mean pairwise correlation of signed actions vs independent circular "
        f"shifts of each agent's series within up to {N_BLOCKS} time blocks (one-sided)"
    )
    if not observed:
        return {"effect": float("nan"), "p_value": 1.0, "method": method, "unit_excess": excess}
    obs = float(np.mean(observed))
    null_mean = np.mean(np.stack(nulls), axis=0)
    p_value = float((1 + np.sum(null_mean >= obs - 1e-12)) / (1 + n_resamples))
    return {
        "effect": obs - float(null_mean.mean()),
        "p_value": p_value,
        "method": method,
        "mean_pairwise_correlation": obs,
        "null_mean_correlation": float(null_mean.mean()),
        "unit_excess": excess,
    }
