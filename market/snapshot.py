"""Read-only views of a simulator's state: one market-record row, and a JSON-friendly snapshot."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from market.simulator import MarketSimulator

DEPTH_LEVELS = 5
LAST_TRADES = 20


def market_row(sim: MarketSimulator, stress: bool) -> tuple[float, ...]:
    """The market record row of the step just run, in records.MARKET_COLUMNS order (currency)."""
    tick = sim.config.tick_size
    bb, ba = sim.best_bid, sim.best_ask
    return (
        sim.mid * tick,
        math.nan if bb is None else bb * tick,
        math.nan if ba is None else ba * tick,
        math.nan if bb is None or ba is None else (ba - bb) * tick,
        sim.bid_depth + sim.ask_depth,
        sim.volume,
        sim.trades,
        stress,
        sim.bid_depth,
        sim.ask_depth,
        math.exp(sim.log_fundamental) * tick,
        sim.flow,
    )


def snapshot(sim: MarketSimulator) -> dict[str, Any]:
    """Step, prices, top-5 levels, the last step's trades and the active events, as plain data."""
    tick = sim.config.tick_size
    bb, ba = sim.best_bid, sim.best_ask
    f = sim.last_fills
    first = max(len(f) - LAST_TRADES, 0)
    prices, qtys, sides = f.price[first:].tolist(), f.qty[first:].tolist(), f.taker_side[first:]
    last = zip(prices, qtys, sides.tolist(), strict=True)
    return {
        "step": sim.step_count,
        "mid": sim.mid * tick,
        "best_bid": None if bb is None else bb * tick,
        "best_ask": None if ba is None else ba * tick,
        "spread": None if bb is None or ba is None else (ba - bb) * tick,
        "bids": [(p * tick, q) for p, q in sim.book.depth("buy", DEPTH_LEVELS)],
        "asks": [(p * tick, q) for p, q in sim.book.depth("sell", DEPTH_LEVELS)],
        "last_trades": [
            {"price": p * tick, "qty": q, "side": "buy" if s > 0 else "sell"} for p, q, s in last
        ],
        "active_events": [
            {"type": e.type, "step": e.step, "duration": e.duration, "params": dict(e.params)}
            for e in sim.active_events
        ],
        "fundamental": math.exp(sim.log_fundamental) * tick,
    }
