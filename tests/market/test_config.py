"""Config parsing: defaults, the env config dict format, and errors that name key and value."""

from __future__ import annotations

import pytest

from market.config import (
    DEFAULT_COUNTS,
    AgentSpec,
    EnvConfig,
    EventSpec,
    MarketConfig,
)


def test_defaults_have_100_background_traders_and_three_agents() -> None:
    cfg = EnvConfig.from_dict(None)
    assert sum(cfg.market.counts.values()) == 100 == sum(DEFAULT_COUNTS.values())
    assert [(a.name, a.style) for a in cfg.agents] == [
        ("momentum", "momentum"),
        ("mean_reversion", "mean_reversion"),
        ("adaptive", "adaptive"),
    ]
    assert cfg.episode_length == 1000
    assert cfg.events == ()


def test_full_env_dict_is_parsed() -> None:
    cfg = EnvConfig.from_dict(
        {
            "seed": 7,
            "episode_length": 50,
            "market": {"counts": {"noise": 10, "market_maker": 2}, "noise": {"p_market": 0.5}},
            "agents": [{"name": "a", "style": "adaptive", "order_size": 5}, {"name": "momentum"}],
            "events": [{"type": "flash_crash", "step": 10}],
        }
    )
    assert cfg.seed == 7 and cfg.market.episode_length == 50
    assert cfg.market.count("noise") == 10 and cfg.market.count("momentum") == 0
    assert cfg.market.noise.p_market == 0.5
    assert cfg.agents[0] == AgentSpec("a", "adaptive", order_size=5)
    assert cfg.agents[1].style == "momentum"
    assert cfg.events[0].duration == 5 and cfg.events[0].params == {"qty_per_step": 500.0}


def test_event_defaults_and_explicit_params() -> None:
    e = EventSpec.from_dict({"type": "volatility_regime", "step": 3, "params": {"scale": 2}})
    assert (e.duration, e.params, e.end) == (100, {"scale": 2.0}, 103)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"bogus": 1}, "bogus"),
        ({"seed": -1}, "seed=-1"),
        ({"seed": "x"}, "seed='x'"),
        ({"episode_length": 0}, "market.episode_length=0"),
        ({"episode_length": 10, "market": {"episode_length": 20}}, "episode_length=10"),
        ({"market": {"counts": {"whales": 3}}}, "whales"),
        ({"market": {"counts": {"noise": -1}}}, "market.counts.noise=-1"),
        ({"market": {"noise": {"p_act": 1.5}}}, "market.noise.p_act=1.5"),
        ({"market": {"noise": {"nope": 1}}}, "nope"),
        ({"market": {"tick_size": "big"}}, "market.tick_size='big'"),
        ({"market": {"market_maker": {"levels": 2.5}}}, "market.market_maker.levels=2.5"),
        ({"agents": [{"name": "a", "style": "greedy"}]}, "agents[0].style='greedy'"),
        ({"agents": [{"style": "momentum"}]}, "agents[0].name"),
        ({"agents": [{"name": "a", "order_size": 0, "style": "adaptive"}]}, "order_size=0"),
        ({"agents": [{"name": "a", "style": "adaptive"}] * 2}, "duplicate"),
        ({"agents": "momentum"}, "agents='momentum'"),
        ({"events": [{"type": "meteor", "step": 1}]}, "events[0].type='meteor'"),
        ({"events": [{"type": "flash_crash"}]}, "events[0].step"),
        ({"events": [{"type": "flash_crash", "step": -2}]}, "events[0].step=-2"),
        ({"events": [{"type": "news_shock", "step": 1, "params": {"size": 1}}]}, "size"),
        ({"events": [{"type": "news_shock", "step": 1, "params": {"jump": 3}}]}, "jump=3"),
    ],
)
def test_bad_config_raises_naming_key_and_value(config: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        EnvConfig.from_dict(config)


def test_market_config_from_dict_accepts_ints_for_floats() -> None:
    cfg = MarketConfig.from_dict({"tick_size": 1, "fundamental": {"sigma": 0}})
    assert cfg.tick_size == 1.0 and isinstance(cfg.fundamental.sigma, float)


def _bounded_fields() -> list[tuple[str, str, float]]:
    """(section, field, a value just outside its declared bounds) for every declared check."""
    import dataclasses

    from market.config import MarketConfig

    cases = []
    root = MarketConfig()
    sections = [("", root)] + [
        (f.name, getattr(root, f.name))
        for f in dataclasses.fields(root)
        if dataclasses.is_dataclass(getattr(root, f.name))
    ]
    for section, obj in sections:
        for f in dataclasses.fields(obj):
            b = f.metadata.get("bounds")
            if b is None:
                continue
            if b.at_least is not None:
                bad = getattr(obj, b.at_least) - 1
            elif b.low is not None:
                bad = b.low if b.low_open else b.low - 1
            else:
                bad = b.high
            cases.append((section, f.name, bad))
    return cases


@pytest.mark.parametrize(("section", "name", "bad"), _bounded_fields())
def test_every_declared_bound_rejects_a_value_outside_it(
    section: str, name: str, bad: float
) -> None:
    """The checks are declared on the fields: each one fires, naming the dotted key and value."""
    value = int(bad) if float(bad).is_integer() else bad
    d: dict = {name: value} if not section else {section: {name: value}}
    key = f"market.{section + '.' if section else ''}{name}={value!r}"
    with pytest.raises(ValueError, match=key.replace(".", r"\.").replace("+", r"\+")):
        MarketConfig.from_dict(d)
    assert len(_bounded_fields()) >= 40
