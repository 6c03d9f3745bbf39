"""Stress events: a schedule of `EventSpec`s and what they do to one step of the market.

flash_crash: a stress seller sends a market sell of `qty_per_step` shares every step of the window;
liquidity_shock: market makers cancel and quote nothing for the window; news_shock: the
fundamental jumps by `jump` (log) at the first step; volatility_regime: noise order sizes are
scaled by `scale` for the window. Every step inside any window is flagged as stress.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from market.config import EventSpec


@dataclass
class StepEffects:
    """Combined effect of the events active at one step."""

    stress: bool = False
    makers_out: bool = False
    noise_scale: float = 1.0
    sell_qty: int = 0
    fundamental_jump: float = 0.0
    active: list[EventSpec] = field(default_factory=list)


NO_EFFECTS = StepEffects()


def as_event(spec: EventSpec | Mapping[str, Any], at_step: int | None = None) -> EventSpec:
    """Validate a spec (dict or EventSpec), optionally moving it to `at_step`."""
    if isinstance(spec, EventSpec):  # every field, so a new one is never dropped here
        d: dict[str, Any] = {f.name: getattr(spec, f.name) for f in fields(spec)}
        d["params"] = dict(spec.params)
    else:
        d = dict(spec)
    if at_step is not None:
        d["step"] = at_step
    return EventSpec.from_dict(d)


def draw_events(specs: Iterable[EventSpec], seq: np.random.SeedSequence) -> list[EventSpec]:
    """The episode's events, drawn with one generator spawned from the episode's ``seq`` (events
    in schedule order): a `step_jitter` > 0 moves the start to a step drawn uniformly from
    [step, step + step_jitter], a `random_sign` flips a news shock's jump with probability 1/2.
    Drawn events come back with the draw spent (jitter 0, fixed sign); the others as they are.
    """
    specs = list(specs)
    if not any(e.step_jitter or e.random_sign for e in specs):
        return specs
    rng = np.random.default_rng(seq.spawn(1)[0])
    drawn = []
    for e in specs:
        if e.step_jitter or e.random_sign:
            step = e.step + int(rng.integers(e.step_jitter + 1)) if e.step_jitter else e.step
            params = dict(e.params)
            if e.random_sign and rng.random() < 0.5:
                params["jump"] = -params["jump"]
            e = as_event(replace(e, step_jitter=0, random_sign=False, params=params), step)
        drawn.append(e)
    return drawn


class EventSchedule:
    """Events scheduled by step; `effects(step)` combines those whose window contains the step."""

    def __init__(self, specs: Iterable[EventSpec | Mapping[str, Any]] = ()) -> None:
        self.events: list[EventSpec] = [as_event(s) for s in specs]

    def add(self, spec: EventSpec) -> None:
        """Schedule one more (validated) event."""
        self.events.append(spec)

    def active(self, step: int) -> list[EventSpec]:
        """Events whose window [step, step + duration) contains `step`."""
        return [e for e in self.events if e.step <= step < e.end]

    def effects(self, step: int) -> StepEffects:
        """What the active events do at `step` (NO_EFFECTS when none is active)."""
        if not self.events:  # the common case, once a step
            return NO_EFFECTS
        active = self.active(step)
        if not active:
            return NO_EFFECTS
        eff = StepEffects(stress=True, active=active)
        for e in active:
            _APPLY[e.type](eff, e, step)
        return eff


def _flash_crash(eff: StepEffects, e: EventSpec, step: int) -> None:
    eff.sell_qty += int(e.params["qty_per_step"])


def _liquidity_shock(eff: StepEffects, e: EventSpec, step: int) -> None:
    eff.makers_out = True


def _news_shock(eff: StepEffects, e: EventSpec, step: int) -> None:
    if step == e.step:
        eff.fundamental_jump += float(e.params["jump"])


def _volatility_regime(eff: StepEffects, e: EventSpec, step: int) -> None:
    eff.noise_scale *= float(e.params["scale"])


_APPLY = {
    "flash_crash": _flash_crash,
    "liquidity_shock": _liquidity_shock,
    "news_shock": _news_shock,
    "volatility_regime": _volatility_regime,
}
