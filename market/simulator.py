"""The market simulator: background traders, stress events and RL agents around one order book.

One step: the events of the step are applied, the fundamental moves, expired orders are
cancelled, market makers requote, the other background traders act in a random arrival order,
the stress seller and the RL agents send market orders, and the book matches the whole batch.
All of it runs in ONE compiled call (market/_step.py); Python only turns the step's events and
the RL actions into arrays. Every trader's cash (integer ticks) and shares change only through
fills, so both are conserved. Randomness comes from per-component Generators spawned from one
seed, each drawing a fixed number of variates per step (drawn ahead in blocks, market/_draws.py),
so runs with the same seed share background randomness (common random numbers) whatever the RL
agents do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from market import _bundle, _step
from market import _nbtables as tb
from market import state as st
from market._draws import DrawBlocks
from market.accounts import Accounts
from market.agents import group_class
from market.agents.base import MV_SIZE, N_ROWS, PRICE, QTY, TraderGroup
from market.agents.market_maker import QUOTE_LIFETIME
from market.book import OrderBook
from market.config import AgentSpec, EventSpec, MarketConfig
from market.events import NO_EFFECTS, EventSchedule, StepEffects, as_event, draw_events
from market.expiry import ExpiryQueue
from market.orders import FillBatch
from market.records import AgentRecorder, MarketRecorder
from market.snapshot import snapshot
from market.state import HISTORY, MarketState
from market.vocabulary import BACKGROUND_KINDS

__all__ = ["HISTORY", "STREAMS", "MarketSimulator"]

STREAMS = (
    "fundamental",
    "noise",
    "fundamentalist",
    "momentum",
    "market_maker",
    "arrival",
    "events",
)
STRESS_SELLER = "stress_seller"
# Group order inside the fused step: makers requote first, then the takers in arrival order.
STEP_ORDER = ("market_maker", "noise", "fundamentalist", "momentum")
TAKERS = STEP_ORDER[1:]
_DRAW_STREAMS = ("fundamental", *STEP_ORDER, "arrival")  # _step.D_* column order
_FUNDAMENTAL_DRAWS = [(1, 1), (0, 1), (1, 1)]  # normal, jump uniform, jump normal


def _effects_vector(eff: StepEffects) -> np.ndarray:
    v = np.zeros(st.N_EFFECTS)
    v[st.EFF_STRESS], v[st.EFF_MAKERS_OUT] = float(eff.stress), float(eff.makers_out)
    v[st.EFF_NOISE_SCALE], v[st.EFF_SELL_QTY] = eff.noise_scale, eff.sell_qty
    v[st.EFF_JUMP] = eff.fundamental_jump
    return v


_NO_EFFECTS_VECTOR = _effects_vector(NO_EFFECTS)


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
        self.schedule = EventSchedule(draw_events(self._scheduled, seq))  # after STREAMS' spawn
        self.accounts_book = Accounts(round(cfg.initial_cash / cfg.tick_size), cfg.initial_shares)
        self.groups: dict[str, TraderGroup] = {}
        for kind in BACKGROUND_KINDS:
            owners = [self.accounts_book.open(kind) for _ in range(cfg.count(kind))]
            self.groups[kind] = group_class(kind)(getattr(cfg, kind), np.array(owners, np.int64))
        stress_owner = self.accounts_book.open("event", STRESS_SELLER)
        self._fs, self._ist, self.history = st.new_state(cfg.initial_price)
        self._prm = np.zeros(st.N_PARAMS)
        f, mm = cfg.fundamental, cfg.market_maker
        self._prm[[st.SIGMA, st.JUMP_PROB, st.JUMP_SIGMA]] = f.sigma, f.jump_prob, f.jump_sigma
        self._prm[st.VOL_ALPHA] = 1.0 - 0.5 ** (1.0 / mm.vol_halflife)
        self._prm[st.ANCHOR_ALPHA], self._prm[st.TICK] = mm.fair_value_speed, cfg.tick_size
        self._prm[st.STRESS_OWNER] = stress_owner
        self._mv = np.zeros(MV_SIZE)
        self._fills = np.zeros((0, tb.FF), dtype=np.int64)
        self._actions = self._executed = np.zeros(0, dtype=np.int64)
        self._acted = False
        self._pnl, self._pnl_valid = np.zeros(0), False
        lifetimes = [cfg.noise.lifetime, cfg.fundamentalist.lifetime, QUOTE_LIFETIME]
        self._expiry = ExpiryQueue(lifetimes)
        self._draws = DrawBlocks([self._rngs[s] for s in _DRAW_STREAMS], self._layouts())
        self.rl_names: list[str] = []
        self._rl_all: list[str] = []
        self.rl_owner = np.zeros(0, np.int64)
        self.rl_size = np.zeros(0, np.int64)
        self.rl_max = np.zeros(0, np.int64)
        self.rl_value0 = np.zeros(0, np.float64)
        self.rl_record_idx = np.zeros(0, np.int64)
        self._rl_version = 0
        self._pnl_cache: tuple[tuple[int, int], np.ndarray] = ((-1, 0), np.zeros(0))
        self.market_rec = MarketRecorder(cfg.episode_length)
        self.agent_rec = AgentRecorder(cfg.episode_length * max(len(self._agent_specs), 1))
        self.last_effects = NO_EFFECTS
        self.step_count = 0
        self._agent_rows = 0
        self._changed()
        for spec in self._agent_specs:
            self._register_rl(spec)
        for _ in range(cfg.warmup_steps):
            self._run(_NO_EFFECTS_VECTOR, record=False)

    def _layouts(self) -> list[list[tuple[int, int]]]:
        """Per-step draw layouts in _DRAW_STREAMS order."""
        takers = sum(self.groups[k].owners.shape[0] for k in TAKERS)
        return [_FUNDAMENTAL_DRAWS, *(self.groups[k].draw_layout() for k in STEP_ORDER),
                [(0, takers)]]  # fmt: skip

    def _changed(self) -> None:
        """Resize the step's buffers and rebuild its argument list after traders changed."""
        self.layout_version = getattr(self, "layout_version", 0) + 1  # arrays may be new objects
        g = [self.groups[k] for k in STEP_ORDER]
        self._new_orders = sum(x.capacity for x in g) + 1 + self.rl_owner.shape[0]
        self._expiry.ensure(self._new_orders)
        width = self._expiry.ring.shape[1] + self._new_orders
        self._out = np.zeros((N_ROWS, width), dtype=np.int64)
        self._ids = np.zeros(width, dtype=np.int64)
        n_rl = self.rl_owner.shape[0]
        if self._actions.shape[0] != n_rl:
            self._actions = np.zeros(n_rl, dtype=np.int64)
            self._executed = np.zeros(n_rl, dtype=np.int64)
            self._acted = False
        self._pnl = np.zeros(n_rl)  # written by every step; stale until the next one
        self._pnl_valid = False
        cap = int(self.book._buf[tb.FCAP])
        if self._fills.shape[0] < cap:
            self._fills = np.zeros((cap, tb.FF), dtype=np.int64)
        self._offs = np.array(self._draws.offsets, dtype=np.int64)
        groups = [a for x in g for a in (x.table, x.owners, x.active, x.cfgv, x.gstate)]
        self._args = (
            self._fs, self._ist, self._prm, self.history, self._mv, self.cash, self.shares,
            self._offs, *groups, self._actions, self.rl_owner, self.rl_size, self.rl_max,
            self.rl_value0, self.rl_record_idx, self._executed, self._pnl, self._expiry.ring,
            self._expiry.counts, self._expiry.lifetimes, self._out, self._ids, self._fills,
            self.market_rec.data, self.agent_rec.data,
        )  # fmt: skip
        row = np.zeros(self._draws.width)
        self._pack = _bundle.make(*self._args)
        self._kernel = _bundle.entry(
            _bundle.step, self.book._buf, row, _NO_EFFECTS_VECTOR, True, self._pack
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: the compiled entry point and the array pack are rebuilt on load."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_kernel", "_args", "_pack")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._changed()

    # ------------------------------------------------------------------ traders
    def add_trader(self, kind: str, params: dict[str, Any] | None = None) -> str:
        """Add one background trader of `kind` at run time; return its id."""
        if kind not in self.groups:
            raise ValueError(f"kind={kind!r}: unknown trader kind; choose from {list(self.groups)}")
        owner = self.accounts_book.open(kind)
        try:
            self.groups[kind].add(owner, params)
        except ValueError:
            self.accounts_book.close_last()
            raise
        self._draws.rewind()
        self._draws.set_layouts(self._layouts())
        self._changed()
        return self.accounts_book.ids[owner]

    def remove_trader(self, trader_id: str) -> None:
        """Stop a trader (background or RL), cancel its orders; its account stays (conservation)."""
        if trader_id in self.rl_names:
            self.remove_rl_agent(trader_id)
            return
        owner = self.accounts_book.owner(trader_id)
        kind = self.accounts_book.types[owner]
        if kind not in self.groups:
            raise KeyError(trader_id)
        group = self.groups[kind]
        local = int(np.flatnonzero(group.owners == owner)[0])
        if not group.active[local]:
            raise KeyError(trader_id)
        group.active[local] = False
        self.book.cancel_all(owner)

    def add_rl_agent(self, spec: AgentSpec) -> None:
        """Add an RL agent (market orders of `spec.order_size` via `step`), kept across resets."""
        spec.check(f"agent {spec.name!r}")
        if spec.name in self.rl_names or spec.name in self.accounts_book.ids:
            raise ValueError(f"name={spec.name!r}: a trader with this name already exists")
        self._register_rl(spec)
        self._agent_specs.append(spec)

    def _register_rl(self, spec: AgentSpec) -> None:
        owner = self.accounts_book.open("rl", spec.name)
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
        """Refresh what depends on the set of live RL agents."""
        self._rl_version += 1
        self._changed()

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
        if rl_actions:
            self._set_actions(rl_actions)
        elif self._acted:
            self._actions[:] = 0
            self._acted = False
        self._advance()

    def step_sides(self, sides: np.ndarray) -> None:
        """Advance one step; `sides[i]` (-1, 0, +1) is RL agent `rl_names[i]`'s (not checked)."""
        self._actions[:] = sides
        self._acted = True
        self._advance()

    def _advance(self) -> None:
        n_rl = self.rl_owner.shape[0]
        if self.step_count >= self.market_rec.data.shape[1] or (
            self._agent_rows + n_rl > self.agent_rec.data.shape[1]
        ):
            self._grow_records(n_rl)
        eff = self.schedule.effects(self.step_count)
        self._run(_NO_EFFECTS_VECTOR if eff is NO_EFFECTS else _effects_vector(eff), record=True)
        self.last_effects = eff
        self.step_count += 1
        self._agent_rows += n_rl

    def _set_actions(self, rl_actions: Mapping[str, int]) -> None:
        names, acts = self.rl_names, self._actions
        acts[:] = 0
        for name, a in rl_actions.items():
            if name not in names:
                raise KeyError(f"unknown RL agent {name!r}; agents: {names}")
            if a not in (-1, 0, 1):
                raise ValueError(f"rl_actions[{name!r}]={a!r}: must be -1, 0 or 1")
            acts[names.index(name)] = int(a)
        self._acted = True

    def _run(self, eff: np.ndarray, record: bool) -> None:
        """One compiled step; grows the book when it is full and says which order was bad."""
        draws = self._draws
        if draws.t >= draws.block.shape[0]:
            draws.refill()
        row = draws.block[draws.t]
        status = self._kernel(self.book._buf, row, eff, record, self._pack)
        while status == _step.NEED_ROOM:
            self.book.reserve(self._new_orders)
            self._changed()
            status = self._kernel(self.book._buf, row, eff, record, self._pack)
        draws.t += 1
        self._pnl_valid = status == _step.OK
        if status == _step.BAD_ORDER:
            i, field = int(self._ist[st.BAD_ROW]), ("qtys", "prices")[int(self._ist[st.BAD_FIELD])]
            value = int(self._out[QTY if field == "qtys" else PRICE, i])
            raise ValueError(f"{field}[{i}] = {value}: must be in [1, 2**48)")

    def _grow_records(self, n_rl: int) -> None:
        self.market_rec.reserve(self.step_count + 1)
        self.agent_rec.reserve(self._agent_rows + n_rl)
        self._changed()

    # ------------------------------------------------------------------ views
    def market_state(self) -> MarketState:
        """The market after the last step, as one read-only value."""
        return MarketState.read(self._fs, self._ist, self.config.tick_size)

    def packed_arrays(self) -> _bundle.StepArrays:
        """The step's live arrays in one pack (market/_bundle.py) for other compiled code; a new
        pack whenever `layout_version` changes."""
        return self._pack

    def rl_pnl(self) -> np.ndarray:
        """Mark-to-market PnL (currency) of the live RL agents, in `rl_names` order."""
        if self._pnl_valid:  # computed by the step itself
            return self._pnl.copy()
        key = (self.clock, self._rl_version)
        if self._pnl_cache[0] != key:
            owner = self.rl_owner
            value = self.cash[owner] + self.shares[owner] * self.mid
            self._pnl_cache = (key, (value - self.rl_value0) * self.config.tick_size)
        return self._pnl_cache[1]

    def accounts(self) -> pd.DataFrame:
        """Every trader's account: agent_id, type, cash (currency), shares."""
        return self.accounts_book.frame(self.config.tick_size)

    def market_record(self) -> pd.DataFrame:
        """Per-step market record of the episode (prices in currency, depth top-5 each side)."""
        self.market_rec.n = self.step_count
        return self.market_rec.frame()

    def agent_record(self) -> pd.DataFrame:
        """Per-step RL agent record: step, agent, action (-1/0/1 executed), position, cash, pnl."""
        self.agent_rec.n = self._agent_rows
        return self.agent_rec.frame(self._rl_all)

    def state(self) -> dict[str, Any]:
        """A JSON-friendly snapshot of the market now (prices in currency units)."""
        return snapshot(self.market_state(), self.book, self.last_fills, self.active_events)

    @property
    def last_fills(self) -> FillBatch:
        """The fills of the last step."""
        return FillBatch(self._fills[: int(self._ist[st.N_FILLS])].copy())

    # Read-only views of the state arrays under the names other modules use.
    cash = property(lambda self: self.accounts_book.cash, doc="cash (ticks) by owner id")
    shares = property(lambda self: self.accounts_book.shares, doc="shares by owner id")
    mid = property(lambda self: float(self._fs[st.MID]), doc="mid price (ticks)")
    log_fundamental = property(lambda self: float(self._fs[st.LOG_FUNDAMENTAL]))
    vol_ticks = property(lambda self: float(self._fs[st.VOL_TICKS]), doc="EWMA |mid change|")
    mid_ema = property(lambda self: float(self._fs[st.MID_EMA]), doc="makers' fair value")
    abs_ret_ewma = property(lambda self: float(self._fs[st.ABS_RET_EWMA]), doc="EWMA |return|")
    log_mid_ema = property(lambda self: float(self._fs[st.LOG_MID_EMA]), doc="EMA of log mid")
    clock = property(lambda self: int(self._ist[st.CLOCK]), doc="steps run incl. warm-up")
    best_bid = property(lambda self: int(self._ist[st.BEST_BID]) or None)
    best_ask = property(lambda self: int(self._ist[st.BEST_ASK]) or None)
    bid_depth = property(lambda self: int(self._ist[st.BID_DEPTH]), doc="top-5 bid depth")
    ask_depth = property(lambda self: int(self._ist[st.ASK_DEPTH]), doc="top-5 ask depth")
    volume = property(lambda self: int(self._ist[st.VOLUME]), doc="last step's volume")
    trades = property(lambda self: int(self._ist[st.TRADES]), doc="last step's fills")
    flow = property(lambda self: int(self._ist[st.FLOW]), doc="last step's signed volume")
