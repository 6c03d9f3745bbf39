"""The 15-dim float32 observations of the RL agents (entries documented in MultiAgentMarketEnv).

Every entry is scaled to O(1) and clipped to [-OBS_CLIP, OBS_CLIP] so PPO sees well-conditioned
inputs: returns in units of a reference per-step volatility, prices relative to the initial
price, position relative to the agent's limit. Styles emphasise different return horizons.
All agents are built at once as one (n_agents, 15) array (no per-agent Python work).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market.simulator import HISTORY, MarketSimulator

OBS_DIM = 15
OBS_CLIP = 10.0
REF_VOL = 5e-5  # reference per-step log-return volatility (0.5 bps; the default mix has ~0.35)
REF_DEPTH = 500.0  # reference top-5 depth, both sides (shares)
REF_VOLUME = 50.0  # reference traded volume per step (shares)
EMA_SPAN = 10  # span of the moving average in entry 3 (MarketSimulator.log_mid_ema)
# Entry 10 in units of 10 bps: a typical excursion of ~10 ticks from the initial price is O(1)
# (in % units it was ~0.1, too small for the policy net to use the mean reversion it signals).
PRICE_LEVEL_SCALE = 1_000.0

STYLE_HORIZONS: dict[str, tuple[int, int, int]] = {
    "momentum": (5, 20, 50),
    "mean_reversion": (1, 5, 20),
    "adaptive": (1, 10, 50),
}

OBS_NAMES = (
    "ret_h1", "ret_h2", "ret_h3", "ma_deviation", "volatility", "spread", "imbalance", "depth",
    "volume", "flow", "price_level", "position", "cash", "pnl", "time",
)  # fmt: skip


def horizons(styles: list[str]) -> np.ndarray:
    """(n_agents, 3) int array of the return horizons of each agent's style."""
    return np.array([STYLE_HORIZONS[s] for s in styles], dtype=np.int64).reshape(-1, 3)


def market_features(sim: MarketSimulator, episode_length: int) -> np.ndarray:
    """Entries 3-10 and 14 (shared by all agents) in a length-15 vector; the rest left 0."""
    obs = np.zeros(OBS_DIM, dtype=np.float64)
    log_mid = math.log(sim.mid)
    obs[3] = (log_mid - sim.log_mid_ema) / (REF_VOL * math.sqrt(EMA_SPAN))
    obs[4] = sim.abs_ret_ewma / REF_VOL
    if sim.best_bid is not None and sim.best_ask is not None:
        obs[5] = (sim.best_ask - sim.best_bid) / sim.mid * 1e3  # units of 10 bps
    else:
        obs[5] = OBS_CLIP
    depth = sim.bid_depth + sim.ask_depth
    obs[6] = (sim.bid_depth - sim.ask_depth) / depth if depth else 0.0
    obs[7] = depth / REF_DEPTH
    obs[8] = sim.volume / REF_VOLUME
    obs[9] = sim.flow / sim.volume if sim.volume else 0.0
    obs[10] = (log_mid - math.log(sim.config.initial_price)) * PRICE_LEVEL_SCALE
    obs[14] = sim.step_count / episode_length
    return obs


def observations(sim: MarketSimulator, lags: np.ndarray, episode_length: int) -> np.ndarray:
    """(n_agents, 15) float32 observations of the live RL agents, in `sim.rl_names` order.

    `lags` holds each agent's three return horizons (see `horizons`).
    """
    cfg = sim.config
    return _agent_kernel(
        market_features(sim, episode_length), sim.history, sim.clock % HISTORY, lags,
        sim.shares, sim.cash, sim.rl_owner, sim.rl_max, sim.rl_pnl(),
        cfg.initial_cash / cfg.tick_size, float(cfg.initial_price), cfg.tick_size,
    )  # fmt: skip


@njit(cache=True)
def _agent_kernel(
    shared: np.ndarray, history: np.ndarray, pos: int, lags: np.ndarray, shares: np.ndarray,
    cash: np.ndarray, owner: np.ndarray, max_pos: np.ndarray, pnl: np.ndarray, cash0: float,
    p0: float, tick: float,
) -> np.ndarray:  # fmt: skip
    """Fill the per-agent entries (returns, position, cash, PnL) around the shared ones; clip."""
    n = owner.shape[0]
    size = history.shape[0]
    out = np.empty((n, OBS_DIM), dtype=np.float32)
    for i in range(n):
        row = shared.copy()
        for j in range(3):
            lag = lags[i, j]
            row[j] = (history[pos] - history[(pos - lag) % size]) / (REF_VOL * math.sqrt(lag))
        limit = float(max_pos[i])
        row[11] = shares[owner[i]] / limit
        row[12] = (cash[owner[i]] - cash0) / (limit * p0)
        row[13] = pnl[i] / tick / (limit * p0 * 0.01)
        for j in range(OBS_DIM):
            out[i, j] = min(max(row[j], -OBS_CLIP), OBS_CLIP)
    return out
