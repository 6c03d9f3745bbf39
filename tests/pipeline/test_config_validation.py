"""The validation in pipeline.config, schema by schema, without Hydra: exact messages at the edges.

Each rule is checked on both sides of its boundary (the last bad value raises with the whole
message, the first good value passes), so an off-by-one or a flipped comparison fails a test.
"""

from __future__ import annotations

from typing import Any

import pytest
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from pipeline.config import (
    AgentConf,
    AgentsConf,
    ConfigError,
    EventConf,
    EventsConf,
    EventType,
    ExperimentConf,
    HypothesesConf,
    HypothesisName,
    MarketConf,
    PolicyMapping,
    PPOConf,
    RayConf,
    SpaceType,
    Style,
    SweepConf,
    SweepParam,
    as_dict,
    load,
    register,
)
from pipeline.dotted import flatten, set_dotted
from pipeline.paths import outputs_dir


def refused(message: str, make: Any, **kwargs: Any) -> None:
    """`make(**kwargs)` raises ConfigError with exactly `message`."""
    with pytest.raises(ConfigError) as err:
        make(**kwargs)
    assert str(err.value) == message


def one(field: str, value: Any) -> dict[str, Any]:
    """Keyword arguments setting one field."""
    return {field: value}


# ---- market, agents ----------------------------------------------------------------------


def test_episode_length_must_be_positive() -> None:
    refused("market.episode_length must be > 0, got 0", MarketConf, episode_length=0)
    assert MarketConf(episode_length=1).episode_length == 1


def test_agent_name_must_not_be_empty() -> None:
    refused("agents.rl[].name must not be empty", AgentConf, name="")


@pytest.mark.parametrize("field", ["order_size", "max_position"])
def test_agent_sizes_must_be_positive(field: str) -> None:
    refused(f"agents.rl[a].{field} must be > 0, got 0", AgentConf, name="a", **one(field, 0))


def test_max_position_may_equal_but_not_undercut_the_order_size() -> None:
    assert AgentConf(name="a", order_size=1, max_position=1).max_position == 1
    refused(
        "agents.rl[a].max_position=9 must be >= order_size=10",
        AgentConf, name="a", order_size=10, max_position=9,
    )


@pytest.mark.parametrize("field", ["trend_weight", "inventory_penalty", "risk_aversion"])
def test_reward_weights_may_be_zero_not_negative(field: str) -> None:
    assert getattr(AgentConf(name="a", **one(field, 0.0)), field) == 0.0
    refused(f"agents.rl[a].{field} must be >= 0, got -0.5", AgentConf, name="a", **one(field, -0.5))


def test_agents_need_one_rl_agent_with_unique_names() -> None:
    refused("agents.rl must name at least one RL agent, got []", AgentsConf, rl=[])
    refused(
        "agents.rl names must be unique, got ['a', 'b', 'a']",
        AgentsConf, rl=[AgentConf(name="a"), AgentConf(name="b"), AgentConf(name="a")],
    )
    one = AgentsConf(rl=[AgentConf(name="solo")])
    assert [a.name for a in one.rl] == ["solo"]
    default = AgentsConf()
    assert [(a.name, a.style) for a in default.rl] == [(s.value, s) for s in Style]
    assert default.policy_mapping is PolicyMapping.per_agent


# ---- PPO -----------------------------------------------------------------------------------

PPO_POSITIVE = [
    "lr", "train_batch_size", "rollout_fragment_length", "minibatch_size", "num_epochs",
    "iterations", "num_envs_per_env_runner", "torch_threads",
]


@pytest.mark.parametrize("field", PPO_POSITIVE)
def test_ppo_sizes_and_rates_must_be_positive(field: str) -> None:
    refused(f"ppo.{field} must be > 0, got 0", PPOConf, **one(field, 0))


@pytest.mark.parametrize("field", ["num_env_runners", "entropy_coeff"])
def test_ppo_runners_and_entropy_may_be_zero_not_negative(field: str) -> None:
    assert getattr(PPOConf(**one(field, 0)), field) == 0
    refused(f"ppo.{field} must be >= 0, got -1", PPOConf, **one(field, -1))


@pytest.mark.parametrize("field", ["gamma", "gae_lambda"])
def test_discounts_are_in_the_half_open_unit_interval(field: str) -> None:
    assert getattr(PPOConf(**one(field, 1.0)), field) == 1.0
    assert getattr(PPOConf(**one(field, 1e-9)), field) == 1e-9
    refused(f"ppo.{field} must be in (0, 1], got 0.0", PPOConf, **one(field, 0.0))
    refused(f"ppo.{field} must be in (0, 1], got 1.0001", PPOConf, **one(field, 1.0001))


def test_minibatch_may_equal_but_not_exceed_the_train_batch() -> None:
    assert PPOConf(minibatch_size=4000, train_batch_size=4000).minibatch_size == 4000
    refused(
        "ppo.minibatch_size (4001) must not exceed ppo.train_batch_size (4000)",
        PPOConf, minibatch_size=4001, train_batch_size=4000,
    )


@pytest.mark.parametrize("sizes", [[], [0], [64, 0], [-3, 8]])
def test_hidden_sizes_must_be_positive(sizes: list[int]) -> None:
    refused(f"ppo.hidden_sizes must be positive sizes, got {sizes}", PPOConf, hidden_sizes=sizes)


def test_hidden_size_one_is_allowed() -> None:
    assert PPOConf(hidden_sizes=[1]).hidden_sizes == [1]


def _fragment(batch: int, fragment: int, runners: int = 0, envs: int = 1) -> PPOConf:
    return PPOConf(
        train_batch_size=batch, minibatch_size=1, rollout_fragment_length=fragment,
        num_env_runners=runners, num_envs_per_env_runner=envs,
    )


def test_fragments_must_fill_the_batch_within_ten_percent() -> None:
    assert _fragment(1000, 1100).rollout_fragment_length == 1100  # overshoot 100 = 10%: fine
    assert _fragment(1000, 500).rollout_fragment_length == 500  # two rounds fill it exactly
    refused(
        "ppo.train_batch_size=1000 cannot be filled by 1 env(s) x ppo.rollout_fragment_length="
        "1101 within 10%; use ppo.rollout_fragment_length=1000 or a divisor of it",
        _fragment, batch=1000, fragment=1101,
    )


def test_fragment_rounds_are_rounded_up() -> None:
    # 4100 needs 2 rounds of 4000 = 8000 (far over); a floor would count 1 round and pass
    refused(
        "ppo.train_batch_size=4100 cannot be filled by 20 env(s) x ppo.rollout_fragment_length="
        "200 within 10%; use ppo.rollout_fragment_length=205 or a divisor of it",
        _fragment, batch=4100, fragment=200, envs=20,
    )


def test_runners_multiply_the_envs_and_zero_runners_count_as_one() -> None:
    assert _fragment(4000, 200, runners=0, envs=20).num_env_runners == 0
    assert _fragment(4000, 200, runners=1, envs=20).num_env_runners == 1
    assert _fragment(4000, 100, runners=2, envs=20).num_env_runners == 2
    refused(
        "ppo.train_batch_size=4000 cannot be filled by 40 env(s) x ppo.rollout_fragment_length="
        "200 within 10%; use ppo.rollout_fragment_length=100 or a divisor of it",
        _fragment, batch=4000, fragment=200, runners=2, envs=20,
    )


def test_the_suggested_fragment_is_at_least_one() -> None:
    refused(
        "ppo.train_batch_size=10 cannot be filled by 20 env(s) x ppo.rollout_fragment_length="
        "1 within 10%; use ppo.rollout_fragment_length=1 or a divisor of it",
        _fragment, batch=10, fragment=1, envs=20,
    )


# ---- events, hypotheses, ray ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["step", "duration", "step_jitter"])
def test_event_step_and_duration_may_be_zero_not_negative(field: str) -> None:
    assert getattr(EventConf(**one(field, 0)), field) == 0
    refused(
        f"events.schedule[news_shock].{field} must be >= 0, got -1",
        EventConf, type=EventType.news_shock, **one(field, -1),
    )


def test_hypotheses_alpha_is_open_unit_interval() -> None:
    for bad in (0.0, 1.0, -0.1, 1.5):
        refused(f"hypotheses.alpha must be in (0, 1), got {bad!r}", HypothesesConf, alpha=bad)
    assert HypothesesConf(alpha=0.999).alpha == 0.999


def test_hypotheses_need_two_eval_seeds() -> None:
    refused("hypotheses.eval_seeds must be >= 2, got 1", HypothesesConf, eval_seeds=1)
    assert HypothesesConf(eval_seeds=2).eval_seeds == 2


def test_eval_seed_offset_and_episode_length() -> None:
    refused(
        "hypotheses.eval_seed_offset must be >= 0, got -1", HypothesesConf, eval_seed_offset=-1
    )
    assert HypothesesConf(eval_seed_offset=0).eval_seed_offset == 0
    refused(
        "hypotheses.eval_episode_length must be > 0, got 0", HypothesesConf, eval_episode_length=0
    )
    assert HypothesesConf(eval_episode_length=1).eval_episode_length == 1
    assert HypothesesConf().eval_episode_length is None


@pytest.mark.parametrize("address", [None, "auto", "ray://head:10001", "head:6379"])
def test_ray_addresses_that_are_accepted(address: str | None) -> None:
    assert RayConf(address=address).address == address


@pytest.mark.parametrize("address", ["nowhere", "AUTO", ""])
def test_ray_addresses_that_are_refused(address: str) -> None:
    refused(
        "ray.address must be null, 'auto', 'ray://host:port' or 'host:port', "
        f"got {address!r}",
        RayConf, address=address,
    )


def test_ray_cpus_positive_or_unset() -> None:
    refused("ray.num_cpus must be > 0, got 0", RayConf, num_cpus=0)
    assert RayConf(num_cpus=1).num_cpus == 1
    assert RayConf().num_cpus is None


# ---- sweeps --------------------------------------------------------------------------------


def test_sweep_param_needs_a_key() -> None:
    refused("sweep.params[].key must be a dotted config key, got ''", SweepParam, key="")


@pytest.mark.parametrize("space", [SpaceType.grid, SpaceType.choice])
def test_grid_and_choice_need_values_not_bounds(space: SpaceType) -> None:
    empty: tuple[list[int] | None, ...] = (None, [])
    for values in empty:
        refused(
            f"sweep.params[ppo.lr] of type {space.value} needs values",
            SweepParam, key="ppo.lr", type=space, values=values,
        )
    assert SweepParam(key="ppo.lr", type=space, values=[1]).values == [1]


@pytest.mark.parametrize("space", [SpaceType.uniform, SpaceType.loguniform, SpaceType.randint])
def test_ranges_need_low_below_high(space: SpaceType) -> None:
    for low, high in ((None, 1.0), (0.0, None), (None, None), (1.0, 1.0), (2.0, 1.0)):
        refused(
            f"sweep.params[ppo.lr] needs low < high, got {low!r}, {high!r}",
            SweepParam, key="ppo.lr", type=space, low=low, high=high,
        )
    assert SweepParam(key="ppo.lr", type=space, low=0.0, high=1.0).high == 1.0


def test_a_named_sweep_needs_params_and_samples() -> None:
    refused("sweep.num_samples must be > 0, got 0", SweepConf, num_samples=0)
    refused("sweep 'lr' has no sweep.params to search", SweepConf, name="lr")
    assert SweepConf(name="none").params == []
    param = SweepParam(key="ppo.lr", values=[1e-4])
    assert SweepConf(name="lr", params=[param]).params == [param]


# ---- the whole experiment ------------------------------------------------------------------


def _experiment(**kwargs: Any) -> ExperimentConf:
    return ExperimentConf(**kwargs)


def test_experiment_name_seed_and_replicates() -> None:
    refused("name (the experiment name) must not be empty", _experiment, name="")
    refused("seed must be >= 0, got -1", _experiment, seed=-1)
    assert _experiment(seed=0).seed == 0
    for bad in (0, -2, True):
        refused(f"replicates must be an int >= 1, got {bad!r}", _experiment, replicates=bad)
    assert _experiment(replicates=1).replicates == 1
    assert _experiment(replicates=2).replicates == 2


def _events(*steps: int) -> EventsConf:
    return EventsConf(name="x", schedule=[EventConf(EventType.flash_crash, s, 5) for s in steps])


def test_events_must_start_inside_the_episode() -> None:
    market = MarketConf(episode_length=100)
    assert _experiment(market=market, events=_events(0, 99)).events.schedule[1].step == 99
    refused(
        "events.schedule[flash_crash].step=100 is outside the episode (length 100)",
        _experiment, market=market, events=_events(10, 100),
    )


def test_the_latest_jittered_start_must_be_inside_the_episode() -> None:
    market = MarketConf(episode_length=100)
    late = EventsConf(name="x", schedule=[EventConf(EventType.flash_crash, 60, 5, step_jitter=40)])
    refused(
        "events.schedule[flash_crash].step=60 + step_jitter=40 is outside the episode (length 100)",
        _experiment, market=market, events=late,
    )
    late.schedule[0].step_jitter = 39
    assert _experiment(market=market, events=late).events.schedule[0].step_jitter == 39


def test_a_shorter_evaluation_episode_bounds_the_events() -> None:
    market = MarketConf(episode_length=100)
    short = HypothesesConf(eval_episode_length=50)
    refused(
        "events.schedule[flash_crash].step=50 is outside the episode (length 50)",
        _experiment, market=market, hypotheses=short, events=_events(50),
    )
    assert _experiment(market=market, hypotheses=short, events=_events(49)).market == market
    longer = HypothesesConf(eval_episode_length=500)  # training episodes still bound the events
    refused(
        "events.schedule[flash_crash].step=100 is outside the episode (length 100)",
        _experiment, market=market, hypotheses=longer, events=_events(100),
    )


def test_liquidity_needs_events_and_herding_needs_two_agents() -> None:
    calm = EventsConf(name="none", schedule=[])
    refused(
        "hypotheses.tests includes liquidity_impact, which needs stress events, but "
        "events.schedule is empty (pick events=flash_crash or similar)",
        _experiment, events=calm,
    )
    h1 = HypothesesConf(tests=[HypothesisName.volatility_amplification])
    assert _experiment(events=calm, hypotheses=h1).events.schedule == []
    solo = AgentsConf(rl=[AgentConf(name="solo")])
    refused(
        "hypotheses.tests includes herding, which needs >= 2 RL agents, but agents.rl has 1",
        _experiment, agents=solo,
    )
    pair = AgentsConf(rl=[AgentConf(name="a"), AgentConf(name="b")])
    assert len(_experiment(agents=pair).agents.rl) == 2
    no_h3 = HypothesesConf(tests=[HypothesisName.liquidity_impact])
    assert _experiment(agents=solo, hypotheses=no_h3).agents == solo


def test_an_underpowered_study_is_refused_unless_allowed() -> None:
    weak = HypothesesConf(eval_seeds=5)  # 3 tests x 1/32 > 0.05 after BH
    with pytest.raises(ConfigError) as err:
        _experiment(hypotheses=weak)
    message = str(err.value)
    assert message.startswith("hypotheses (eval_seeds=5, replicates=1, 3 tests, alpha=0.05): ")
    assert message.endswith("; or set hypotheses.allow_underpowered=true")
    assert "it needs >= 6 seeds" in message
    allowed = HypothesesConf(eval_seeds=5, allow_underpowered=True)
    assert _experiment(hypotheses=allowed).hypotheses.allow_underpowered is True
    assert _experiment(hypotheses=HypothesesConf(eval_seeds=6)).hypotheses.eval_seeds == 6
    assert _experiment(hypotheses=weak, replicates=2).replicates == 2
    nothing = HypothesesConf(eval_seeds=2, tests=[])
    assert _experiment(hypotheses=nothing).hypotheses.tests == []


# ---- load, plain dicts, dotted keys --------------------------------------------------------


def test_load_passes_a_typed_config_through_and_types_a_dict() -> None:
    conf = ExperimentConf(name="x")
    assert load(conf) is conf
    typed = load({"name": "y", "ppo": {"lr": 0.5}, "hypotheses": {"counterfactual": "removed"}})
    assert isinstance(typed, ExperimentConf)
    assert (typed.name, typed.ppo.lr, typed.hypotheses.counterfactual.value) == (
        "y", 0.5, "removed"
    )


def test_load_names_the_key_of_a_type_error_and_keeps_range_messages() -> None:
    with pytest.raises(ConfigError) as err:
        load({"ppo": {"lr": "abc"}})
    assert str(err.value) == (
        "Value 'abc' of type 'str' could not be converted to Float (key: ppo.lr)"
    )
    with pytest.raises(ConfigError) as err:
        load(5)  # type: ignore[arg-type]
    assert str(err.value).startswith("Invalid input. Supports one of [dict,list,")
    assert str(err.value).endswith("object_type=ExperimentConf")
    with pytest.raises(ConfigError) as err:
        load({"ppo": {"train_batch_size": -5}})
    assert str(err.value) == "ppo.train_batch_size must be > 0, got -5"


def test_as_dict_is_plain_and_round_trips() -> None:
    conf = ExperimentConf(name="plain")
    plain = as_dict(conf)
    assert plain["hypotheses"]["tests"] == [h.value for h in HypothesisName]
    assert type(plain["hypotheses"]["tests"][0]) is str
    assert plain["agents"]["rl"][0]["style"] == "momentum"
    assert plain["events"]["schedule"][0] == {
        "type": "flash_crash", "step": 300, "duration": 5, "params": {}, "step_jitter": 0,
        "random_sign": False,
    }
    assert load(plain) == conf


def test_flatten_and_set_dotted() -> None:
    tree: dict[str, Any] = {"a": {"b": 1, "c": [2, {"d": 3}], "e": {}}, "f": "g"}
    assert flatten(tree) == {"a.b": 1, "a.c.0": 2, "a.c.1.d": 3, "a.e": {}, "f": "g"}
    assert flatten([1, [2]], "x.") == {"x.0": 1, "x.1.0": 2}
    set_dotted(tree, "a.b", 5)
    set_dotted(tree, "f", "h")
    assert tree["a"]["b"] == 5 and tree["f"] == "h"
    refused("sweep key 'a.b.z': 'b' is not a config section", set_dotted, tree=tree, key="a.b.z",
            value=1)
    refused("sweep key 'q.b': 'q' is not a config section", set_dotted, tree=tree, key="q.b",
            value=1)
    refused("sweep key 'a.z': unknown field 'z'", set_dotted, tree=tree, key="a.z", value=1)


def test_load_without_a_key_adds_no_location() -> None:
    with pytest.raises(ConfigError) as err:
        load(["a"])  # type: ignore[arg-type]
    assert str(err.value) == "Cannot merge DictConfig with ListConfig"


def test_register_stores_the_schema_and_the_outputs_resolver() -> None:
    repo = ConfigStore.instance().repo
    saved = repo.pop("config_schema.yaml")
    OmegaConf.clear_resolver("outputs_dir")
    try:
        register()
        assert repo["config_schema.yaml"].node == OmegaConf.structured(ExperimentConf)
        resolved = OmegaConf.create({"out": "${outputs_dir:}"})
        assert resolved.out == str(outputs_dir())
        register()  # a second registration replaces the first
    finally:
        repo.setdefault("config_schema.yaml", saved)
        register()


def test_one_list_of_hypothesis_and_run_kind_names() -> None:
    # The API's enums are the pipeline's (pipeline/names.py), and every name is a test module's.
    from pipeline.api import models as api_models
    from pipeline.hypotheses import herd, liquidity, volatility
    from pipeline.names import RunKind

    assert api_models.HypothesisName is HypothesisName
    assert api_models.RunKind is RunKind
    assert [h.value for h in HypothesisName] == [volatility.NAME, liquidity.NAME, herd.NAME]
