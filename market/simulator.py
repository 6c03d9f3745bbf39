"""The market simulator: background traders, stress events and RL agents around one order book.

One step: the events of the step are applied, the fundamental moves, expired orders are
cancelled, market makers requote, the other background traders act in a random arrival order,
the stress seller and the RL agents send market orders, and the book matches the whole batch.
Every trader's cash (integer ticks) and shares change only through fills, so both are conserved.
Randomness comes from per-component Generators spawned from one seed, each drawing a fixed number
of variates per step, so runs with the same seed share background randomness (common random
numbers) whatever the RL agents do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from market.agents.base import KIND, LIFETIME, N_ROWS, OWNER, PRICE, QTY, SIDE, MarketView
from market.agents.fundamentalist import Fundamentalists
from market.agents.market_maker import QUOTE_LIFETIME, MarketMakers
from market.agents.momentum import MomentumTraders
from market.agents.noise import NoiseTraders
from market.book import OrderBook
from market.config import BACKGROUND_KINDS, AgentSpec, EventSpec, MarketConfig
from market.events import NO_EFFECTS, EventSchedule, StepEffects, as_event
from market.expiry import ExpiryQueue
from market.orders import KIND_CANCEL, KIND_MARKET, SELL, FillBatch
from market.records import AgentRecorder, MarketRecorder
from market.settlement import settle
from market.snapshot import DEPTH_LEVELS, market_row, snapshot

STREAMS = (
    "fundamental",
    "noise",
    "fundamentalist",
    "momentum",
    "market_maker",
    "arrival",
    "events",
)
HISTORY = 512
STRESS_SELLER = "stress_seller"
_GROUP_CLASSES: dict[str, Any] = {
    "noise": NoiseTraders,
    "fundamentalist": Fundamentalists,
    "momentum": MomentumTraders,
    "market_maker": MarketMakers,
}


class MarketSimulator:
    """A seeded, steppable market; `step(rl_actions)` advances it by one step (see module doc)."""

    def __init__(
        self,
        config: MarketConfig | Mapping[str, Any] | None = None,
        events: Iterable[EventSpec | Mapping[str, Any]] = (),
        agents: Sequence[AgentSpec] = (),
        seed: int | None = None,
    ) -> None:
        self.config = config if isinstance(config, MarketConfig) else MarketConfig.from_dict(config)
        self._scheduled = [as_event(e) for e in events]
        self._agent_specs = list(agents)
        self.reset(seed)

    # ------------------------------------------------------------------ set-up
    def reset(self, seed: int | None = None) -> None:
        """Start a fresh market from `seed` (scheduled events and configured RL agents kept)."""
        cfg = self.config
        seq = np.random.SeedSequence(seed)
        self.seed = seq.entropy
        children = seq.spawn(len(STREAMS))
        self._rngs = {n: np.random.default_rng(s) for n, s in zip(STREAMS, children, strict=True)}
        self.book = OrderBook()
        self.schedule = EventSchedule(self._scheduled)
        self._ids: list[str] = []
        self._types: list[str] = []
        self._kind_counts: dict[str, int] = {}
        self.cash = np.zeros(0, dtype=np.int64)
        self.shares = np.zeros(0, dtype=np.int64)
        self.groups: dict[str, Any] = {}
        for kind in BACKGROUND_KINDS:
            owners = np.array([self._new_owner(kind) for _ in range(cfg.count(kind))], np.int64)
            self.groups[kind] = _GROUP_CLASSES[kind](getattr(cfg, kind), owners)
        self._stress_owner = self._new_owner("event", STRESS_SELLER)
        self._resize()
        self.rl_names: list[str] = []
        self._rl_all: list[str] = []
        self.rl_owner = np.zeros(0, np.int64)
        self.rl_size = np.zeros(0, np.int64)
        self.rl_max = np.zeros(0, np.int64)
        self.rl_value0 = np.zeros(0, np.float64)
        self.rl_record_idx = np.zeros(0, np.int64)
        self._rl_version = 0
        self._rl_lists: tuple[list[int], list[int], list[int]] = ([], [], [])
        self._init_state()
        for spec in self._agent_specs:
            self._register_rl(spec)
        for _ in range(cfg.warmup_steps):
            self._advance(NO_EFFECTS, {})
        self.market_rec = MarketRecorder(cfg.episode_length)
        self.agent_rec = AgentRecorder(cfg.episode_length * max(len(self.rl_names), 1))
        self.step_count = 0

    def _init_state(self) -> None:
        p0 = float(self.config.initial_price)
        self.mid = p0
        self.log_fundamental = math.log(p0)
        self.vol_ticks = 0.0
        self.mid_ema = p0
        self.abs_ret_ewma = 0.0
        self.log_mid_ema = math.log(p0)
        self.history = np.full(HISTORY, math.log(p0))
        self.clock = 0
        self.best_bid: int | None = None
        self.best_ask: int | None = None
        self.bid_depth = self.ask_depth = self.volume = self.trades = self.flow = 0
        self.last_fills = FillBatch.empty()
        self._pnl_cache: tuple[tuple[int, int], np.ndarray] = ((-1, 0), np.zeros(0))
        self.last_effects = NO_EFFECTS
        self._next_id = 1
        cfg = self.config
        lifetimes = [cfg.noise.lifetime, cfg.fundamentalist.lifetime, QUOTE_LIFETIME]
        self._expiry = ExpiryQueue(lifetimes)
        self._vol_alpha = 1.0 - 0.5 ** (1.0 / self.config.market_maker.vol_halflife)
        self._anchor_alpha = self.config.market_maker.fair_value_speed

    def _resize(self) -> None:
        """Cache the per-step order capacity and arrival slots of the background groups."""
        self._capacity = sum(g.capacity for g in self.groups.values())
        self._n_slots = sum(self.groups[k].owners.shape[0] for k in _TAKERS)

    def _new_owner(self, kind: str, name: str | None = None) -> int:
        """Register a trader account (initial endowment) and return its owner id."""
        k = self._kind_counts.get(kind, 0)
        self._kind_counts[kind] = k + 1
        self._ids.append(name or f"{kind}_{k}")
        self._types.append(kind)
        tick = self.config.tick_size
        self.cash = np.append(self.cash, round(self.config.initial_cash / tick))
        self.shares = np.append(self.shares, self.config.initial_shares)
        return len(self._ids) - 1

    # ------------------------------------------------------------------ traders
    def add_trader(self, kind: str, params: dict[str, Any] | None = None) -> str:
        """Add one background trader of `kind` at run time; return its id."""
        if kind not in self.groups:
            raise ValueError(f"kind={kind!r}: unknown trader kind; choose from {list(self.groups)}")
        owner = self._new_owner(kind)
        try:
            self.groups[kind].add(owner, params)
        except ValueError:
            self._ids.pop()
            self._types.pop()
            self._kind_counts[kind] -= 1
            self.cash, self.shares = self.cash[:-1], self.shares[:-1]
            raise
        self._resize()
        return self._ids[owner]

    def remove_trader(self, trader_id: str) -> None:
        """Stop a trader (background or RL), cancel its orders; its account stays (conservation)."""
        if trader_id in self.rl_names:
            self.remove_rl_agent(trader_id)
            return
        if trader_id not in self._ids or self._types[self._ids.index(trader_id)] not in self.groups:
            raise KeyError(trader_id)
        owner = self._ids.index(trader_id)
        group = self.groups[self._types[owner]]
        local = int(np.flatnonzero(group.owners == owner)[0])
        if not group.active[local]:
            raise KeyError(trader_id)
        group.active[local] = False
        self.book.cancel_all(owner)

    def add_rl_agent(self, spec: AgentSpec) -> None:
        """Add an RL agent (market orders of `spec.order_size` via `step`), kept across resets."""
        spec.check(f"agent {spec.name!r}")
        if spec.name in self.rl_names or spec.name in self._ids:
            raise ValueError(f"name={spec.name!r}: a trader with this name already exists")
        self._register_rl(spec)
        self._agent_specs.append(spec)

    def _register_rl(self, spec: AgentSpec) -> None:
        owner = self._new_owner("rl", spec.name)
        self.rl_names.append(spec.name)
        self._rl_all.append(spec.name)
        self.rl_owner = np.append(self.rl_owner, owner)
        self.rl_size = np.append(self.rl_size, spec.order_size)
        self.rl_max = np.append(self.rl_max, spec.max_position)
        value0 = float(self.cash[owner]) + float(self.shares[owner]) * self.mid
        self.rl_value0 = np.append(self.rl_value0, value0)
        self.rl_record_idx = np.append(self.rl_record_idx, len(self._rl_all) - 1)
        self._rl_changed()

    def _rl_changed(self) -> None:
        """Refresh caches that depend on the set of live RL agents."""
        self._rl_version += 1
        self._rl_lists = (self.rl_owner.tolist(), self.rl_size.tolist(), self.rl_max.tolist())

    def remove_rl_agent(self, name: str) -> None:
        """Stop an RL agent (KeyError if unknown); its account stays in `accounts()`."""
        if name not in self.rl_names:
            raise KeyError(name)
        i = self.rl_names.index(name)
        self.rl_names.pop(i)
        self._agent_specs = [s for s in self._agent_specs if s.name != name]
        keep = np.arange(len(self.rl_owner)) != i
        for attr in ("rl_owner", "rl_size", "rl_max", "rl_value0", "rl_record_idx"):
            setattr(self, attr, getattr(self, attr)[keep])
        self._rl_changed()

    # ------------------------------------------------------------------ events
    def inject_event(
        self, spec: EventSpec | Mapping[str, Any], at_step: int | None = None
    ) -> EventSpec:
        """Schedule an event now (`at_step=None`: from the next step) or at a later step."""
        step = self.step_count if at_step is None else at_step
        if step < self.step_count:
            raise ValueError(f"at_step={step!r}: already past (current step {self.step_count})")
        event = as_event(spec, at_step=step)
        self.schedule.add(event)
        return event

    @property
    def active_events(self) -> list[EventSpec]:
        """Events whose window contains the next step."""
        return self.schedule.active(self.step_count)

    # ------------------------------------------------------------------ stepping
    def step(self, rl_actions: Mapping[str, int] | None = None) -> None:
        """Advance one step; `rl_actions` maps RL agent name -> -1 sell, 0 hold, +1 buy."""
        effects = self.schedule.effects(self.step_count)
        executed = self._advance(effects, rl_actions or {})
        self._record(effects, executed)
        self.step_count += 1

    def _advance(self, eff: StepEffects, actions: Mapping[str, int]) -> np.ndarray:
        """Run one matching round; return the executed RL actions (after position limits)."""
        before = math.exp(self.log_fundamental)
        self._move_fundamental(eff)
        fundamental = math.exp(self.log_fundamental)
        news = fundamental - before
        self.mid_ema += news
        view = MarketView(
            self.clock, self.mid, fundamental, self.vol_ticks, self.history, self.clock % HISTORY,
            self.mid_ema, news, eff.noise_scale, eff.makers_out,
        )  # fmt: skip
        executed, rl_orders = self._rl_decisions(actions)
        cancel_ids = self._expiry.pop(self.clock)
        nc = cancel_ids.shape[0]
        m = len(rl_orders)
        out = np.empty((N_ROWS, nc + self._capacity + m + 1), dtype=np.int64)
        out[:, :nc] = 0
        out[KIND, :nc] = KIND_CANCEL
        k = self._background_orders(view, out, nc)
        if eff.sell_qty:
            out[:, k] = (KIND_MARKET, SELL, 0, eff.sell_qty, self._stress_owner, 0)
            k += 1
        if m:
            out[:, k : k + m] = np.array(rl_orders, dtype=np.int64).T
            k += m
        ids = np.empty(k, dtype=np.int64)
        ids[:nc] = cancel_ids
        ids[nc:] = np.arange(self._next_id, self._next_id + k - nc, dtype=np.int64)
        self._next_id += k - nc
        self._match(out[:, :k], ids, nc)
        self.clock += 1
        return executed

    def _background_orders(self, view: MarketView, out: np.ndarray, k: int) -> int:
        """Makers requote first; the other traders' orders follow in a random arrival order."""
        rngs, shares, groups = self._rngs, self.shares, self.groups
        k = groups["market_maker"].decide(view, rngs["market_maker"], shares, out, k)
        start = k
        for kind in _TAKERS:
            k = groups[kind].decide(view, rngs[kind], shares, out, k)
        keys = rngs["arrival"].random(self._n_slots)
        if k - start > 1:
            out[:, start:k] = out[:, start:k][:, np.argsort(keys[: k - start], kind="stable")]
        return k

    def _move_fundamental(self, eff: StepEffects) -> None:
        f = self.config.fundamental
        rng = self._rngs["fundamental"]
        z, u, j = rng.standard_normal(), rng.random(), rng.standard_normal()
        jump = f.jump_sigma * j if u < f.jump_prob else 0.0
        self.log_fundamental += f.sigma * z + jump + eff.fundamental_jump

    def _rl_decisions(self, actions: Mapping[str, int]) -> tuple[np.ndarray, list[tuple]]:
        """Executed actions (clipped at position limits) and the RL market orders, round-robin.

        Plain Python on purpose: a handful of agents is cheaper in lists than in numpy calls.
        """
        names = self.rl_names
        n = len(names)
        executed = [0] * n
        for name, a in actions.items():
            if name not in names:
                raise KeyError(f"unknown RL agent {name!r}; agents: {names}")
            if a not in (-1, 0, 1):
                raise ValueError(f"rl_actions[{name!r}]={a!r}: must be -1, 0 or 1")
            executed[names.index(name)] = int(a)
        orders: list[tuple] = []
        if any(executed):
            owners, sizes, limits = self._rl_lists
            for j in range(n):
                i = (self.clock + j) % n
                side = executed[i]
                if side and abs(int(self.shares[owners[i]]) + side * sizes[i]) > limits[i]:
                    executed[i] = 0
                elif side:
                    orders.append((KIND_MARKET, side, 0, sizes[i], owners[i], 0))
        return np.array(executed, dtype=np.int64), orders

    def _match(self, orders: np.ndarray, ids: np.ndarray, n_cancels: int) -> None:
        """Submit the batch (cancels first), settle fills, schedule expiries, update the state."""
        fills = self.book.submit_batch(
            orders[KIND], ids, orders[SIDE], orders[PRICE], orders[QTY], orders[OWNER]
        )
        new = orders[:, n_cancels:]
        self._expiry.push(new[KIND], new[LIFETIME], ids[n_cancels:], self.clock)
        self.volume, self.flow = settle(self.cash, self.shares, fills)
        self._update_state(fills)

    def _update_state(self, fills: FillBatch) -> None:
        book = self.book
        bb, ba = book.best_bid(), book.best_ask()
        prev = self.mid
        if bb is not None and ba is not None:
            self.mid = (bb + ba) / 2.0
        elif len(fills):  # one side empty: the last trade is the best price information
            self.mid = float(fills.price[-1])
        self.best_bid, self.best_ask = bb, ba
        self.bid_depth = book.total_depth("buy", DEPTH_LEVELS)
        self.ask_depth = book.total_depth("sell", DEPTH_LEVELS)
        self.trades = len(fills)
        self.last_fills = fills
        a = self._vol_alpha
        self.vol_ticks = (1.0 - a) * self.vol_ticks + a * abs(self.mid - prev)
        log_mid = math.log(self.mid)
        self.abs_ret_ewma = (1.0 - a) * self.abs_ret_ewma + a * abs(
            log_mid - self.history[self.clock % HISTORY]
        )
        self.log_mid_ema += (log_mid - self.log_mid_ema) / 10.0
        self.mid_ema += (self.mid - self.mid_ema) * self._anchor_alpha
        self.history[(self.clock + 1) % HISTORY] = log_mid

    def _record(self, eff: StepEffects, executed: np.ndarray) -> None:
        tick = self.config.tick_size
        self.market_rec.append(market_row(self, eff.stress))
        self.last_effects = eff
        n = len(self.rl_names)
        if n:
            owner = self.rl_owner
            rows = np.empty((6, n))
            rows[0] = self.step_count
            rows[1] = self.rl_record_idx
            rows[2] = executed
            rows[3] = self.shares[owner]
            rows[4] = self.cash[owner] * tick
            rows[5] = self.rl_pnl()
            self.agent_rec.extend(rows)

    # ------------------------------------------------------------------ views
    def rl_pnl(self) -> np.ndarray:
        """Mark-to-market PnL (currency) of the live RL agents, in `rl_names` order."""
        key = (self.clock, self._rl_version)
        if self._pnl_cache[0] != key:
            owner = self.rl_owner
            value = self.cash[owner] + self.shares[owner] * self.mid
            self._pnl_cache = (key, (value - self.rl_value0) * self.config.tick_size)
        return self._pnl_cache[1]

    def accounts(self) -> pd.DataFrame:
        """Every trader's account: agent_id, type, cash (currency), shares."""
        return pd.DataFrame(
            {
                "agent_id": list(self._ids),
                "type": list(self._types),
                "cash": self.cash * self.config.tick_size,
                "shares": self.shares.copy(),
            }
        )

    def market_record(self) -> pd.DataFrame:
        """Per-step market record of the episode (prices in currency, depth top-5 each side)."""
        return self.market_rec.frame()

    def agent_record(self) -> pd.DataFrame:
        """Per-step RL agent record: step, agent, action (-1/0/1 executed), position, cash, pnl."""
        return self.agent_rec.frame(self._rl_all)

    def state(self) -> dict[str, Any]:
        """A JSON-friendly snapshot of the market now (prices in currency units)."""
        return snapshot(self)


_TAKERS = ("noise", "fundamentalist", "momentum")
