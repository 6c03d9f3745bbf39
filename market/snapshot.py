"""A JSON-friendly snapshot of the market: reads a `MarketState` value, the book and the fills."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from market.book import OrderBook
from market.config import EventSpec
from market.orders import FillBatch
from market.state import DEPTH_LEVELS, MarketState

__all__ = ["DEPTH_LEVELS", "LAST_TRADES", "snapshot"]

LAST_TRADES = 20


def snapshot(
    state: MarketState, book: OrderBook, fills: FillBatch, events: Iterable[EventSpec]
) -> dict[str, Any]:
    """Step, prices, top-5 levels, the last step's trades and the active events, as plain data."""
    tick = state.tick_size
    bb, ba = state.best_bid, state.best_ask
    first = max(len(fills) - LAST_TRADES, 0)
    prices, qtys = fills.price[first:].tolist(), fills.qty[first:].tolist()
    last = zip(prices, qtys, fills.taker_side[first:].tolist(), strict=True)
    return {
        "step": state.step,
        "mid": state.mid * tick,
        "best_bid": None if bb is None else bb * tick,
        "best_ask": None if ba is None else ba * tick,
        "spread": None if state.spread is None else state.spread * tick,
        "bids": [(p * tick, q) for p, q in book.depth("buy", DEPTH_LEVELS)],
        "asks": [(p * tick, q) for p, q in book.depth("sell", DEPTH_LEVELS)],
        "last_trades": [
            {"price": p * tick, "qty": q, "side": "buy" if s > 0 else "sell"} for p, q, s in last
        ],
        "active_events": [
            {"type": e.type, "step": e.step, "duration": e.duration, "params": dict(e.params)}
            for e in events
        ],
        "fundamental": state.fundamental * tick,
    }
