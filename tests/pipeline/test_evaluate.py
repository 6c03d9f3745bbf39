"""Evaluation pieces: stand-in action sources, lockstep episodes, the tables' contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from market.env import MultiAgentMarketEnv
from pipeline.action_sources import (
    HoldActions,
    NoiseActions,
    PolicyActions,
    RandomActions,
    RuleBasedActions,
)
from pipeline.config import load
from pipeline.evaluate import (
    baseline_source,
    eval_seeds,
    fill_one_sided_spread,
    run_episode,
    summary_metrics,
    trade_rates,
)
from pipeline.rollout import EpisodeSpec, run_episodes
from tests.pipeline.pipeline_helpers import synthetic_evaluation

AGENTS = ["momentum", "mean_reversion", "adaptive"]


def _obs(n: int = 3) -> dict[str, np.ndarray]:
    return {agent: np.zeros(15, dtype=np.float32) for agent in AGENTS[:n]}


def test_noise_actions_match_the_trading_rate_with_balanced_sides() -> None:
    source = NoiseActions({"momentum": 0.3, "mean_reversion": 0.0, "adaptive": 1.0},
                          np.random.default_rng(0))
    draws = pd.DataFrame([source(_obs()) for _ in range(4000)])
    assert (draws["mean_reversion"] == 0).all()
    assert (draws["adaptive"] != 0).all()
    assert (draws["momentum"] != 0).mean() == pytest.approx(0.3, abs=0.03)
    assert (draws["adaptive"] == 1).mean() == pytest.approx(0.5, abs=0.03)


def test_noise_actions_are_reproducible_from_the_generator() -> None:
    def draws(seed: int) -> list[dict[str, int]]:
        source = NoiseActions({"momentum": 0.5}, np.random.default_rng(seed))
        return [source(_obs(1)) for _ in range(50)]

    assert draws(4) == draws(4)
    assert draws(4) != draws(5)


def test_trade_rates_count_executed_actions() -> None:
    record = pd.DataFrame({"agent": ["a", "a", "a", "a", "b", "b"],
                           "action": [0, 1, -1, 0, 0, 0]})
    assert trade_rates(record) == {"a": 0.5, "b": 0.0}


class _StubPolicy:
    def __init__(self, action: int) -> None:
        self.action = action
        self.batches: list[int] = []

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        self.batches.append(len(obs))
        return np.full(len(obs), self.action)


def test_policy_actions_batch_agents_that_share_a_policy() -> None:
    shared, own = _StubPolicy(1), _StubPolicy(2)
    source = PolicyActions({"shared": shared, "own": own},  # type: ignore[dict-item]
                           {"momentum": "shared", "mean_reversion": "shared", "adaptive": "own"})
    assert source(_obs()) == {"momentum": 1, "mean_reversion": 1, "adaptive": 2}
    assert shared.batches == [2] and own.batches == [1]


def test_rule_based_source_follows_each_agents_style_and_hold_never_trades() -> None:
    obs = _obs()
    obs["momentum"][1] = 2.0  # strong medium-horizon up move: momentum buys
    obs["mean_reversion"][3] = 2.0  # mid well above its average: mean reversion sells
    obs["adaptive"][2] = -2.0  # long-horizon down trend in a calm market: adaptive sells
    rule = RuleBasedActions({agent: agent for agent in AGENTS})
    assert rule(obs) == {"momentum": 1, "mean_reversion": 2, "adaptive": 2}
    swapped = RuleBasedActions({"momentum": "mean_reversion", "mean_reversion": "momentum",
                                "adaptive": "adaptive"})
    assert swapped(obs)["momentum"] != 1  # the style, not the agent's name, decides
    assert HoldActions()(obs) == {agent: 0 for agent in AGENTS}


def test_random_stand_in_is_uniform_and_reproducible() -> None:
    first = RandomActions(np.random.default_rng(3))(_obs())
    source = RandomActions(np.random.default_rng(3))
    many = pd.DataFrame([source(_obs()) for _ in range(3000)])
    assert many.iloc[0].to_dict() == first
    for agent in AGENTS:
        shares = many[agent].value_counts(normalize=True).sort_index()
        assert list(shares.index) == [0, 1, 2]
        assert shares.to_numpy() == pytest.approx([1 / 3] * 3, abs=0.03)


@pytest.mark.parametrize("counterfactual", ["noise", "removed", "rule_based"])
def test_baseline_source_follows_the_config(counterfactual: str) -> None:
    conf = load({"hypotheses": {"counterfactual": counterfactual}})
    rates = {"momentum": 1.0, "mean_reversion": 0.0, "adaptive": 1.0}
    source = baseline_source(conf, rates, np.random.default_rng(1))
    obs = _obs()
    obs["momentum"][1] = 2.0
    draws = pd.DataFrame([source(obs) for _ in range(200)])
    if counterfactual == "noise":  # trades at the matched rate, either side
        assert (draws["momentum"] != 0).all() and (draws["mean_reversion"] == 0).all()
        assert set(draws["adaptive"]) == {1, 2}
    elif counterfactual == "removed":
        assert (draws == 0).all().all()
    else:  # the rule: momentum buys on the up move, the others hold on flat signals
        assert set(draws["momentum"]) == {1} and set(draws["adaptive"]) == {0}


class _RulePolicy:
    """The rule-based counterpart as a batch policy (a real component in a policy's slot)."""

    def __init__(self, style: str) -> None:
        self.style = style

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        from market.agents.counterparts import rule_based_action

        return np.array([rule_based_action(self.style, row) for row in obs])


def test_lockstep_episodes_equal_one_by_one_episodes_however_chunked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pipeline.rollout as rollout

    config = {"episode_length": 80}
    policies: dict = {("r0", agent): _RulePolicy(agent) for agent in AGENTS}
    seeds = [3, 4, 5]
    # momentum in a policy slot, the other two driven by a stand-in source
    specs = [EpisodeSpec(seed, {"momentum": ("r0", "momentum")},
                         RuleBasedActions({a: a for a in AGENTS})) for seed in seeds]
    monkeypatch.setattr(rollout, "MAX_LIVE_ENVS", 2)
    batched = run_episodes(lambda: MultiAgentMarketEnv(config), specs, policies)
    env = MultiAgentMarketEnv(config)
    for seed, (market, agents) in zip(seeds, batched, strict=True):
        one_market, one_agents = run_episode(env, seed, RuleBasedActions({a: a for a in AGENTS}))
        pd.testing.assert_frame_equal(market, one_market)
        pd.testing.assert_frame_equal(agents, one_agents)
    assert (batched[0][1]["action"] != 0).any()  # the rules did trade


def test_an_episode_without_a_source_for_some_agent_is_refused() -> None:
    with pytest.raises(ValueError, match="no source for agents"):
        run_episodes(lambda: MultiAgentMarketEnv({"episode_length": 5}), [EpisodeSpec(1)], {})


def test_eval_seeds_are_disjoint_from_the_training_seed() -> None:
    conf = load({"seed": 3, "hypotheses": {"eval_seeds": 3, "eval_seed_offset": 100,
                                           "allow_underpowered": True}})
    assert eval_seeds(conf) == [103, 104, 105]


def test_paired_episodes_share_background_randomness() -> None:
    env = MultiAgentMarketEnv({"episode_length": 60})
    market_a, agents_a = run_episode(env, 11, HoldActions())
    market_b, _ = run_episode(env, 11, HoldActions())
    pd.testing.assert_frame_equal(market_a, market_b)
    assert set(agents_a["action"]) == {0}
    market_c, _ = run_episode(env, 12, HoldActions())
    assert not market_a["mid"].equals(market_c["mid"])


def test_one_sided_steps_get_the_widest_spread_of_their_seed() -> None:
    market = pd.DataFrame({
        "scenario": ["rl", "rl", "baseline", "baseline"],
        "seed": [1, 1, 1, 1], "step": [0, 1, 0, 1], "mid": [10.0] * 4,
        "spread": [0.01, np.nan, 0.05, 0.02], "depth": [5.0] * 4,
        "stress": [False, True, False, True], "condition": ["stress"] * 4,
    })
    filled = fill_one_sided_spread(market)
    assert filled["spread"].tolist() == [0.01, 0.05, 0.05, 0.02]
    assert filled["one_sided"].tolist() == [False, True, False, False]
    assert filled["replicate"].tolist() == [0] * 4
    market["spread"] = np.nan
    with pytest.raises(ValueError, match="never had both sides"):
        fill_one_sided_spread(market)


def test_summary_metrics_are_namespaced_finite_means_over_replicates_and_seeds() -> None:
    evaluation = synthetic_evaluation()
    metrics = summary_metrics(evaluation)
    rows = evaluation.agent_metrics
    mine = rows[(rows["condition"] == "stress") & (rows["scenario"] == "rl")
                & (rows["agent"] == "momentum")]
    assert mine["replicate"].nunique() == 2
    assert metrics["eval/stress/rl/momentum/pnl"] == pytest.approx(mine["pnl"].mean())
    assert not any("replicate" in key for key in metrics)
    assert "eval/calm/baseline/market/realized_volatility" in metrics
    assert "eval/stress/rl/stylized/excess_kurtosis" in metrics
    assert all(np.isfinite(v) for v in metrics.values())
