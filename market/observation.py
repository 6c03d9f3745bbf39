"""The 15-dim float32 observations of the RL agents (entries documented in MultiAgentMarketEnv).

Every entry is scaled to O(1) and clipped to [-OBS_CLIP, OBS_CLIP] so PPO sees well-conditioned
inputs: returns in units of a reference per-step volatility, prices relative to the initial
price, position relative to the agent's limit. Styles emphasise different return horizons.
All agents are built at once as one (n_agents, 15) array (no per-agent Python work).
"""

from __future__ import annotations

import math

import numpy as np

from market.simulator import HISTORY, MarketSimulator

OBS_DIM = 15
OBS_CLIP = 10.0
REF_VOL = 5e-5  # reference per-step log-return volatility (0.5 bps; the default mix has ~0.35)
REF_DEPTH = 500.0  # reference top-5 depth, both sides (shares)
REF_VOLUME = 50.0  # reference traded volume per step (shares)
EMA_SPAN = 10  # span of the moving average in entry 3 (MarketSimulator.log_mid_ema)

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
    obs[10] = (log_mid - math.log(sim.config.initial_price)) * 100.0
    obs[14] = sim.step_count / episode_length
    return obs


def observations(sim: MarketSimulator, lags: np.ndarray, episode_length: int) -> np.ndarray:
    """(n_agents, 15) float32 observations of the live RL agents, in `sim.rl_names` order.

    `lags` holds each agent's three return horizons (see `horizons`).
    """
    obs = np.broadcast_to(market_features(sim, episode_length), (lags.shape[0], OBS_DIM)).copy()
    pos = sim.clock % HISTORY
    h = sim.history
    obs[:, 0:3] = (h[pos] - h[(pos - lags) % HISTORY]) / (REF_VOL * np.sqrt(lags))
    owner = sim.rl_owner
    max_pos = sim.rl_max.astype(np.float64)
    p0 = float(sim.config.initial_price)
    tick = sim.config.tick_size
    obs[:, 11] = sim.shares[owner] / max_pos
    obs[:, 12] = (sim.cash[owner] - sim.config.initial_cash / tick) / (max_pos * p0)
    obs[:, 13] = sim.rl_pnl() / tick / (max_pos * p0 * 0.01)
    np.clip(obs, -OBS_CLIP, OBS_CLIP, out=obs)
    return obs.astype(np.float32)
