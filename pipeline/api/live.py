"""What the dashboard's live view needs beyond one market state: the price history of the
episode so far and the log of every stress event (scheduled, active, over).

``PriceHistory`` is appended under the simulation lock after every step and read by the
stream without it (its own small lock), so a dashboard never slows the stepping down.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from pipeline.api.market_views import price
from pipeline.api.models import EventLogEntry, PriceTicks

MAX_HISTORY = 200_000  # points kept per episode (a default episode has 1,001)


class PriceHistory:
    """Step, mid, best bid and best ask of every step of the current session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session = 0
        self._step: list[int] = []
        self._mid: list[float | None] = []
        self._bid: list[float | None] = []
        self._ask: list[float | None] = []

    def restart(self, session: int) -> None:
        """Forget the old episode: a new session starts (start or reset)."""
        with self._lock:
            self._session = session
            self._step, self._mid, self._bid, self._ask = [], [], [], []

    def append(self, sim: Any) -> None:
        """Record the simulator's quotes now (called after each step, under the sim lock)."""
        tick = sim.config.tick_size
        bid, ask = sim.best_bid, sim.best_ask
        with self._lock:
            if len(self._step) >= MAX_HISTORY:
                return
            self._step.append(int(sim.step_count))
            self._mid.append(price(sim.mid * tick))
            self._bid.append(None if bid is None else price(bid * tick))
            self._ask.append(None if ask is None else price(ask * tick))

    def since(self, session: int, count: int) -> tuple[int, PriceTicks]:
        """The session now and its points from index ``count`` on (all, if the session changed)."""
        with self._lock:
            first = count if session == self._session else 0
            ticks = PriceTicks(
                first=first,
                step=self._step[first:],
                mid=self._mid[first:],
                best_bid=self._bid[first:],
                best_ask=self._ask[first:],
            )
            return self._session, ticks


def event_log(sim: Any) -> list[EventLogEntry]:
    """Every event of the episode's schedule with its status at the simulator's step now."""
    now = int(sim.step_count)
    out = []
    for event in sim.schedule.events:
        start, end = int(event.step), int(event.step) + int(event.duration)
        status: Literal["scheduled", "active", "over"] = (
            "scheduled" if now < start else ("active" if now < end else "over")
        )
        out.append(
            EventLogEntry(
                type=str(event.type),
                start_step=start,
                end_step=end,
                params=dict(event.params),
                status=status,
            )
        )
    out.sort(key=lambda e: (e.start_step, e.type))
    return out
