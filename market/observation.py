"""The 15-dim float32 observations of the RL agents (entries documented in MultiAgentMarketEnv).

Every entry is scaled to O(1) and clipped to [-OBS_CLIP, OBS_CLIP] so PPO sees well-conditioned
inputs: returns in units of a reference per-step volatility, prices relative to the initial
price, position relative to the agent's limit. Styles emphasise different return horizons.
All agents are built at once as one (n_agents, 15) array, from the market's state arrays
(the slots `market.state.MarketState` reads), inside the env's one compiled call a step
(market/agent_io.py).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market.state import (
    ABS_RET_EWMA,
    ASK_DEPTH,
    BEST_ASK,
    BEST_BID,
    BID_DEPTH,
    CLOCK,
    FLOW,
    LOG_MID_EMA,
    MID,
    STEP,
    VOLUME,
)

OBS_DIM = 15
OBS_CLIP = 10.0
REF_VOL = 5e-5  # reference per-step log-return volatility (0.5 bps; the default mix has ~0.35)
REF_DEPTH = 500.0  # reference top-5 depth, both sides (shares)
REF_VOLUME = 50.0  # reference traded volume per step (shares)
EMA_SPAN = 10  # span of the moving average in entry 3 (market.state LOG_MID_EMA)
# Entry 10 in units of 10 bps: a typical excursion of ~10 ticks from the initial price is O(1)
# (in % units it was ~0.1, too small for the policy net to use the mean reversion it signals).
PRICE_LEVEL_SCALE = 1_000.0
# slots of the constants vector `k` of `fill_observations`
K_CASH0, K_P0, K_TICK, K_EPISODE = range(4)
N_CONSTANTS = 4

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


def constants(initial_cash: float, initial_price: int, tick_size: float, episode_length: int
              ) -> np.ndarray:  # fmt: skip
    """The constants vector `k` of `fill_observations` (K_* slots)."""
    k = np.zeros(N_CONSTANTS)
    k[K_CASH0], k[K_P0] = initial_cash / tick_size, float(initial_price)
    k[K_TICK], k[K_EPISODE] = tick_size, float(episode_length)
    return k


@njit(cache=True, inline="always")
def market_features(fs: np.ndarray, ist: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Entries 3-10 and 14 (shared by all agents) of the market state arrays (market/state.py),
    in a length-15 vector; the rest left 0."""
    obs = np.zeros(OBS_DIM)
    mid = fs[MID]
    log_mid = math.log(mid)
    obs[3] = (log_mid - fs[LOG_MID_EMA]) / (REF_VOL * math.sqrt(EMA_SPAN))
    obs[4] = fs[ABS_RET_EWMA] / REF_VOL
    bb, ba = ist[BEST_BID], ist[BEST_ASK]
    obs[5] = (ba - bb) / mid * 1e3 if bb != 0 and ba != 0 else OBS_CLIP  # units of 10 bps
    bd, ad = ist[BID_DEPTH], ist[ASK_DEPTH]
    depth = bd + ad
    obs[6] = (bd - ad) / depth if depth else 0.0
    obs[7] = depth / REF_DEPTH
    volume = ist[VOLUME]
    obs[8] = volume / REF_VOLUME
    obs[9] = ist[FLOW] / volume if volume else 0.0
    obs[10] = (log_mid - math.log(k[K_P0])) * PRICE_LEVEL_SCALE
    obs[14] = ist[STEP] / k[K_EPISODE]
    return obs


@njit(cache=True, inline="always")
def fill_observations(
    fs: np.ndarray, ist: np.ndarray, history: np.ndarray, k: np.ndarray, lags: np.ndarray,
    shares: np.ndarray, cash: np.ndarray, owner: np.ndarray, max_pos: np.ndarray,
    pnl: np.ndarray, out: np.ndarray,
) -> None:  # fmt: skip
    """Write the (n_agents, 15) float32 observations of the state now into `out`, clipped.

    `lags` holds each agent's three return horizons (see `horizons`), `pnl` its mark-to-market
    PnL (currency).
    """
    shared = market_features(fs, ist, k)
    size = history.shape[0]
    pos = ist[CLOCK] % size
    cash0, p0, tick = k[K_CASH0], k[K_P0], k[K_TICK]
    row = np.empty(OBS_DIM)
    for i in range(owner.shape[0]):
        row[:] = shared
        for j in range(3):
            lag = lags[i, j]
            row[j] = (history[pos] - history[(pos - lag) % size]) / (REF_VOL * math.sqrt(lag))
        limit = float(max_pos[i])
        row[11] = shares[owner[i]] / limit
        row[12] = (cash[owner[i]] - cash0) / (limit * p0)
        row[13] = pnl[i] / tick / (limit * p0 * 0.01)
        for j in range(OBS_DIM):
            out[i, j] = min(max(row[j], -OBS_CLIP), OBS_CLIP)
