"""One vocabulary: every place that spells a trader kind, RL style or event type, or a default of
the same field, agrees with market.vocabulary (fails when the pipeline's schema drifts)."""

from __future__ import annotations

import dataclasses
import typing

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


def test_pipeline_and_api_use_the_markets_enums() -> None:
    # One definition: the Hydra schemas and the API models import the market's StrEnums.
    assert (pc.Style, pc.EventType) == (v.Style, v.EventType)
    assert (api.TraderType, api.AgentType) == (v.TraderType, v.AgentType)
    assert api.EventType is v.EventType
    assert typing.get_type_hints(pc.AgentConf)["style"] is v.Style
    assert typing.get_type_hints(pc.EventConf)["type"] is v.EventType
    assert api.EventCreate.model_fields["type"].annotation is v.EventType
    assert api.AgentCreate.model_fields["type"].annotation is v.AgentType
    assert pc.MarketConf().episode_length == MarketConfig().episode_length


def test_enums_and_the_string_tuples_agree() -> None:
    assert list(v.STYLES) == [s.value for s in v.Style]
    assert list(v.EVENT_TYPES) == [e.value for e in v.EventType]
    assert list(v.BACKGROUND_KINDS) == [k.value for k in v.TraderType]
    assert [a.value for a in v.AgentType] == [*v.BACKGROUND_KINDS, "rl"]


def test_the_api_schema_names_and_values_are_the_vocabulary() -> None:
    # web/ generates its types from these schema names (components.schemas.AgentType, ...).
    defs = {
        **api.SimulationStart.model_json_schema()["$defs"],
        **api.AgentCreate.model_json_schema()["$defs"],
        **api.EventCreate.model_json_schema()["$defs"],
    }
    assert defs["TraderType"]["enum"] == list(v.BACKGROUND_KINDS)
    assert defs["AgentType"]["enum"] == [*v.BACKGROUND_KINDS, "rl"]
    assert defs["EventType"]["enum"] == list(v.EVENT_TYPES)
