"""One vocabulary: every place that spells a trader kind, RL style or event type, or a default of
the same field, agrees with market.vocabulary (fails when the pipeline's schema drifts)."""

from __future__ import annotations

import dataclasses

import pytest

from market import vocabulary as v
from market.agents import group_class
from market.agents.counterparts import RULES
from market.config import EVENT_PARAM_BOUNDS, AgentSpec, MarketConfig
from market.events import _APPLY
from market.observation import STYLE_HORIZONS
from pipeline import config as pc
from pipeline.api import models as api


def test_market_modules_use_the_vocabulary() -> None:
    assert set(STYLE_HORIZONS) == set(RULES) == set(v.STYLES)
    assert set(_APPLY) == set(EVENT_PARAM_BOUNDS) == set(v.EVENT_DEFAULTS) == set(v.EVENT_TYPES)
    for etype, (_, params) in v.EVENT_DEFAULTS.items():
        assert set(params) == set(EVENT_PARAM_BOUNDS[etype]), etype
    assert set(v.TRADER_GROUPS) == set(v.DEFAULT_COUNTS) == set(v.BACKGROUND_KINDS)
    assert all(group_class(k).kind == k for k in v.BACKGROUND_KINDS)
    sections = {f.name for f in dataclasses.fields(MarketConfig)}
    assert set(v.BACKGROUND_KINDS) <= sections  # a config section per kind


@pytest.mark.parametrize("name", sorted(v.AGENT_DEFAULTS))
def test_agent_defaults_agree_between_market_and_pipeline(name: str) -> None:
    market_default = {f.name: f.default for f in dataclasses.fields(AgentSpec)}[name]
    pipeline_default = {f.name: f.default for f in dataclasses.fields(pc.AgentConf)}[name]
    assert market_default == pipeline_default == v.AGENT_DEFAULTS[name], name


def test_pipeline_and_api_spell_kinds_styles_and_events_like_the_market() -> None:
    assert [s.value for s in pc.Style] == list(v.STYLES)
    assert [e.value for e in pc.EventType] == list(v.EVENT_TYPES)
    assert [e.value for e in api.EventType] == list(v.EVENT_TYPES)
    assert [t.value for t in api.TraderType] == list(v.BACKGROUND_KINDS)
    assert [t.value for t in api.AgentType] == [*v.BACKGROUND_KINDS, "rl"]
    assert pc.MarketConf().episode_length == MarketConfig().episode_length
