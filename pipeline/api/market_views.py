"""Read-outs of the live market env in the API's public shapes (called under the sim lock)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipeline.api.models import (
    ActiveEvent,
    AgentGroupPublic,
    AgentMetricsPublic,
    AgentPublic,
    AgentsPublic,
    Level,
    MarketAnalysisPublic,
    MarketStatePublic,
    PerformancePublic,
    StylizedFactsPublic,
    Trade,
)

MAX_TRADES_SHOWN = 20
PRICE_DECIMALS = 8


def price(value: Any) -> float | None:
    """A currency price without float noise from ticks * tick_size (99.99000000000001 -> 99.99)."""
    number = finite(value)
    return None if number is None else round(number, PRICE_DECIMALS)


def finite(value: Any) -> float | None:
    """A float, or None for missing, NaN and infinite values."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _levels(raw: Iterable[tuple[float, int]]) -> list[Level]:
    """Book levels given as (price, qty), best first."""
    return [Level(price=round(float(p), PRICE_DECIMALS), qty=int(q)) for p, q in raw]


def _trades(raw: Iterable[Mapping[str, Any]], step: int | None) -> list[Trade]:
    """Trades of the last step (all the simulator keeps), at most MAX_TRADES_SHOWN, newest last."""
    return [
        Trade(
            price=round(float(t["price"]), PRICE_DECIMALS),
            qty=int(t["qty"]),
            step=step,
            side=None if t.get("side") is None else str(t["side"]),
        )
        for t in list(raw)[-MAX_TRADES_SHOWN:]
    ]


def _events(raw: Iterable[Mapping[str, Any]]) -> list[ActiveEvent]:
    """Stress events whose window contains the next step."""
    return [
        ActiveEvent(
            type=str(e["type"]),
            start_step=int(e["step"]),
            end_step=int(e["step"]) + int(e["duration"]),
            params=dict(e.get("params") or {}),
        )
        for e in raw
    ]


def market_state(env: Any, done: bool) -> MarketStatePublic:
    """The public market state of the env's simulator now."""
    s = env.simulator.state()
    step = int(s.get("step", env.simulator.step_count))
    return MarketStatePublic(
        step=step,
        episode_length=_episode_length(env),
        done=done,
        mid=price(s.get("mid")),
        best_bid=price(s.get("best_bid")),
        best_ask=price(s.get("best_ask")),
        spread=price(s.get("spread")),
        bids=_levels(s.get("bids") or ()),
        asks=_levels(s.get("asks") or ()),
        last_trades=_trades(s.get("last_trades") or (), step - 1 if step > 0 else None),
        active_events=_events(s.get("active_events") or ()),
    )


def _episode_length(env: Any) -> int | None:
    length = getattr(env, "episode_length", None)
    return None if length is None else int(length)


def _mid(env: Any) -> float:
    sim = env.simulator  # the snapshot's "mid", without building the whole snapshot
    mid = finite(sim.mid * sim.config.tick_size)
    return 0.0 if mid is None else mid


def wealth(env: Any, only: set[str] | None = None) -> dict[str, float]:
    """Each trader's cash plus shares at the mid: the baseline their PnL is measured from."""
    accounts = env.accounts()
    mid = _mid(env)
    out = {}
    for row in accounts.itertuples(index=False):
        agent_id = str(row.agent_id)
        if only is None or agent_id in only:
            out[agent_id] = float(row.cash) + float(row.shares) * mid
    return out


def background_counts(env: Any) -> dict[str, int]:
    """Number of background trader accounts by type."""
    types = env.accounts()["type"].astype(str)
    background = types[~types.isin(["rl", "event"])]
    return {str(k): int(v) for k, v in background.value_counts().sort_index().items()}


def _kind(agent_type: str) -> Literal["rl", "background", "event"]:
    if agent_type == "rl":
        return "rl"
    return "event" if agent_type == "event" else "background"


def agents(env: Any, removed: set[str], baseline: Mapping[str, float]) -> AgentsPublic:
    """Every account marked to the mid (RL agents first) and sums per background type."""
    accounts = env.accounts()
    mid = _mid(env)
    rows: list[AgentPublic] = []
    for row in accounts.itertuples(index=False):
        agent_id, agent_type = str(row.agent_id), str(row.type)
        cash, shares = float(row.cash), int(row.shares)
        base = baseline.get(agent_id)
        active = agent_id not in removed and (agent_type != "rl" or agent_id in env.agents)
        rows.append(
            AgentPublic(
                id=agent_id,
                type=agent_type,
                kind=_kind(agent_type),
                active=active,
                position=shares,
                cash=cash,
                pnl=None if base is None else finite(cash + shares * mid - base),
            )
        )
    rows.sort(key=lambda a: (a.kind != "rl", a.kind, a.type))
    groups: dict[str, AgentGroupPublic] = {}
    for a in rows:
        if a.kind == "background":
            g = groups.setdefault(
                a.type, AgentGroupPublic(type=a.type, count=0, position=0, cash=0.0, pnl=0.0)
            )
            g.count += 1
            g.active += int(a.active)
            g.position += a.position
            g.cash += a.cash
            g.pnl = None if g.pnl is None or a.pnl is None else g.pnl + a.pnl
    return AgentsPublic(
        step=int(env.simulator.step_count), agents=rows, groups=list(groups.values())
    )


def performance(env: Any) -> PerformancePublic:
    """Per-RL-agent metrics of market.metrics over the episode so far."""
    from market.metrics import agent_metrics

    agent_record, market_record = env.agent_record(), env.market_record()
    rows: list[AgentMetricsPublic] = []
    if len(agent_record) and len(market_record):
        table = agent_metrics(agent_record, market_record)
        if "agent" not in table.columns:
            table = table.reset_index().rename(columns={"index": "agent"})
        fields = [f for f in AgentMetricsPublic.model_fields if f != "agent"]
        for record in table.to_dict("records"):
            values = {f: finite(record.get(f)) for f in fields}
            rows.append(AgentMetricsPublic(agent=str(record["agent"]), **values))
    return PerformancePublic(step=int(env.simulator.step_count), agents=rows)


def _describe(series: pd.Series) -> dict[str, float | None]:
    values = series.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"mean": None, "std": None, "min": None, "median": None, "max": None}
    return {
        "mean": finite(values.mean()),
        "std": finite(values.std(ddof=1)) if values.size > 1 else None,
        "min": finite(values.min()),
        "median": finite(np.median(values)),
        "max": finite(values.max()),
    }


def analysis(env: Any) -> MarketAnalysisPublic:
    """Market metrics, spread and depth statistics, and stylized facts of the mid's log returns."""
    from market.metrics import market_metrics, stylized_facts

    record = env.market_record()
    step = int(env.simulator.step_count)
    mids = record["mid"].to_numpy(dtype=float) if len(record) else np.empty(0)
    mids = mids[np.isfinite(mids) & (mids > 0)]
    returns = np.diff(np.log(mids)) if mids.size > 1 else np.empty(0)
    metrics: dict[str, float | None] = {}
    if len(record) > 1:
        metrics = {str(k): finite(v) for k, v in market_metrics(record).items() if _scalar(v)}
    facts, note, raw = None, None, None
    if returns.size > 1 and float(np.std(returns)) == 0.0:
        note = f"no stylized facts yet: the {returns.size} returns so far are all zero"
    else:
        try:
            raw = stylized_facts(returns)
        except ValueError as exc:  # too few returns so far: say so, it is not the client's fault
            note = f"no stylized facts yet: {exc}"
    if raw is not None:
        facts = StylizedFactsPublic(
            excess_kurtosis=finite(raw.get("excess_kurtosis")),
            tail_index=finite(raw.get("tail_index")),
            acf_returns_lag1=finite(raw.get("acf_returns_lag1")),
            acf_abs_returns={
                int(k): finite(v) for k, v in dict(raw.get("acf_abs_returns") or {}).items()
            },
        )
    return MarketAnalysisPublic(
        step=step,
        n_returns=int(returns.size),
        metrics=metrics,
        spread=_describe(record["spread"]) if len(record) else _describe(pd.Series(dtype=float)),
        depth=_describe(record["depth"]) if len(record) else _describe(pd.Series(dtype=float)),
        stylized_facts=facts,
        note=note,
    )


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
