"""The market's per-step state: named slots of the arrays the compiled step updates, and
`MarketState`, the read-only value of one step that records, snapshots and observations read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HISTORY = 512  # log-mid history ring (longest return horizon a trader or observation may use)
DEPTH_LEVELS = 5  # depth = resting quantity on the best DEPTH_LEVELS levels of a side

# float64 state slots (prices in ticks)
MID, LOG_FUNDAMENTAL, VOL_TICKS, MID_EMA, ABS_RET_EWMA, LOG_MID_EMA = range(6)
N_FLOAT = 6
# int64 state slots; best bid/ask are 0 when that side is empty
CLOCK, NEXT_ID, BEST_BID, BEST_ASK, BID_DEPTH, ASK_DEPTH, VOLUME, TRADES, FLOW, STEP = range(10)
MARKET_ROWS, AGENT_ROWS, N_FILLS, BAD_ROW, BAD_FIELD = range(10, 15)
N_INT = 15
# float64 parameter slots
SIGMA, JUMP_PROB, JUMP_SIGMA, VOL_ALPHA, ANCHOR_ALPHA, TICK, STRESS_OWNER = range(7)
N_PARAMS = 7
# float64 slots of one step's event effects (market.events.StepEffects)
EFF_STRESS, EFF_MAKERS_OUT, EFF_NOISE_SCALE, EFF_SELL_QTY, EFF_JUMP = range(5)
N_EFFECTS = 5


def new_state(initial_price: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float state, int state, log-mid history) of a market that has not traded yet."""
    p0 = float(initial_price)
    fs = np.zeros(N_FLOAT)
    fs[MID], fs[MID_EMA], fs[LOG_FUNDAMENTAL] = p0, p0, math.log(p0)
    fs[LOG_MID_EMA] = math.log(p0)
    ist = np.zeros(N_INT, dtype=np.int64)
    ist[NEXT_ID] = 1
    return fs, ist, np.full(HISTORY, math.log(p0))


@dataclass(frozen=True, slots=True)
class MarketState:
    """The market after one step (prices in ticks; best_bid/best_ask None when a side is empty)."""

    step: int
    clock: int
    mid: float
    best_bid: int | None
    best_ask: int | None
    bid_depth: int
    ask_depth: int
    volume: int
    trades: int
    flow: int
    log_fundamental: float
    vol_ticks: float
    abs_ret_ewma: float
    log_mid_ema: float
    tick_size: float

    @classmethod
    def read(cls, fs: np.ndarray, ist: np.ndarray, tick_size: float) -> MarketState:
        """The value of the state arrays now."""
        f, i = fs.tolist(), ist.tolist()
        return cls(
            step=i[STEP], clock=i[CLOCK], mid=f[MID], best_bid=i[BEST_BID] or None,
            best_ask=i[BEST_ASK] or None, bid_depth=i[BID_DEPTH], ask_depth=i[ASK_DEPTH],
            volume=i[VOLUME], trades=i[TRADES], flow=i[FLOW], log_fundamental=f[LOG_FUNDAMENTAL],
            vol_ticks=f[VOL_TICKS], abs_ret_ewma=f[ABS_RET_EWMA], log_mid_ema=f[LOG_MID_EMA],
            tick_size=tick_size,
        )  # fmt: skip

    @property
    def fundamental(self) -> float:
        """The latent fundamental value (ticks)."""
        return math.exp(self.log_fundamental)

    @property
    def spread(self) -> int | None:
        """Best ask - best bid (ticks), None when a side is empty."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return self.best_ask - self.best_bid
