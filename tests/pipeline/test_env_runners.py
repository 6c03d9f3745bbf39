"""BatchedEnvRunner samples exactly what RLlib's own runner samples, and PPO learns the same."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from ray.rllib.env.multi_agent_episode import MultiAgentEpisode

from market.env import MultiAgentMarketEnv
from pipeline.config import ExperimentConf, load
from pipeline.env_runners import BatchedEnvRunner, LeanEnvRunner, actor_net, has_array_face
from pipeline.rllib import build_ppo_config, env_runner_class, ray_session

# 3 markets x 40-step fragments, 90-step episodes: episodes end inside a sample (auto-reset then).
SMALL = {
    "seed": 3,
    "market": {"episode_length": 90, "params": {"warmup_steps": 10}},
    "events": {"schedule": [{"type": "flash_crash", "step": 30, "duration": 5}]},
    "ppo": {"num_envs_per_env_runner": 3, "rollout_fragment_length": 40,
            "train_batch_size": 120, "minibatch_size": 60, "num_epochs": 2},
}  # fmt: skip
CROWD = [{"name": n, "style": "momentum"} for n in ("a", "b")] + [
    {"name": "c", "style": "adaptive"}
]


def _runner(conf: ExperimentConf, cls: type) -> Any:
    config = build_ppo_config(conf).env_runners(env_runner_cls=cls)
    config.validate()
    return cls(config=config)


def _episode_data(episode: Any) -> dict[str, Any]:
    """Everything of an episode chunk but its random ids and timings."""
    agents = {}
    for aid, sa in sorted(episode.agent_episodes.items()):
        agents[aid] = {
            "module": sa.module_id, "t_started": sa.t_started, "len": len(sa),
            "obs": sa.get_observations(slice(None), neg_index_as_lookback=False),
            "lookback_obs": sa.observations.data[: sa.observations.lookback + 1],
            "actions": sa.actions.data, "rewards": sa.rewards.data,
            "extras": {k: v.data for k, v in sorted(sa.extra_model_outputs.items())},
            "terminated": sa.is_terminated, "truncated": sa.is_truncated,
        }  # fmt: skip
    return {"env_t_started": episode.env_t_started, "env_t": episode.env_t,
            "done": episode.is_done, "terminated": episode.is_terminated,
            "truncated": episode.is_truncated, "agents": agents}  # fmt: skip


def _assert_same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{k}]")
    elif isinstance(a, np.ndarray | np.generic):
        np.testing.assert_array_equal(a, b, err_msg=where)
        assert a.dtype == np.asarray(b).dtype, where
    else:
        assert a == b, where


def _samples(conf: ExperimentConf, cls: type, calls: int) -> tuple[list, dict]:
    runner = _runner(conf, cls)
    try:
        chunks = [[_episode_data(e) for e in runner.sample()] for _ in range(calls)]
        metrics = runner.get_metrics()
    finally:
        runner.stop()
    return chunks, metrics


def _agents_in_env_order(episode: MultiAgentEpisode) -> Any:
    return dict.fromkeys(episode.get_observations(-1)).keys()  # ordered, and set-like


@pytest.mark.parametrize("mapping", ["per_agent", "per_style"])
def test_batched_runner_samples_what_rllibs_runner_samples(
    mapping: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RLlib stacks a shared module's agents in the order of a set of agent ids, which follows
    # Python's string hashing (PYTHONHASHSEED); BatchedEnvRunner stacks them in env order.
    # Give RLlib's runner that order, so that the two must agree row for row.
    monkeypatch.setattr(MultiAgentEpisode, "get_agents_that_stepped", _agents_in_env_order)
    conf = load({**SMALL, "agents": {"rl": CROWD, "policy_mapping": mapping}})
    lean, lean_metrics = _samples(conf, LeanEnvRunner, calls=6)  # 240 steps: 2 episode ends
    batched, batched_metrics = _samples(conf, BatchedEnvRunner, calls=6)
    assert [len(c) for c in batched] == [len(c) for c in lean]
    assert sum(c["done"] for call in lean for c in call) == 6  # 3 markets x 2 episode ends
    _assert_same(lean, batched, "samples")
    actions = np.concatenate([a["actions"] for c in lean[0] for a in c["agents"].values()])
    assert set(np.unique(actions)) == {0, 1, 2}  # it explores: not a constant policy
    for key in ("num_env_steps_sampled_lifetime", "num_episodes_lifetime",
                "episode_return_mean", "episode_len_mean", "agent_episode_returns_mean",
                "module_episode_returns_mean", "num_agent_steps_sampled_lifetime",
                "num_module_steps_sampled_lifetime"):  # fmt: skip
        _assert_same(lean_metrics[key], batched_metrics[key], key)


def test_ppo_trains_the_same_with_either_runner() -> None:
    conf = load(SMALL)

    def train(cls: type) -> tuple[list[list[float]], list[torch.Tensor]]:
        algo = build_ppo_config(conf).env_runners(env_runner_cls=cls).build_algo()
        try:
            losses = []
            for _ in range(3):
                learners = algo.train()["learners"]
                losses.append(
                    [learners[m]["total_loss"] for m in sorted(learners) if m != "__all_modules__"]
                )
            module = algo.get_module("momentum")
            weights = [p.detach().clone() for p in module.parameters()]
        finally:
            algo.stop()
        return losses, weights

    with ray_session(conf.ray):
        lean_losses, lean_weights = train(LeanEnvRunner)
        batched_losses, batched_weights = train(BatchedEnvRunner)
    assert lean_losses == batched_losses
    assert all(torch.equal(a, b) for a, b in zip(lean_weights, batched_weights, strict=True))


def test_the_market_gets_the_batched_runner_and_other_envs_rllibs() -> None:
    class DictOnly:
        reset, step = MultiAgentMarketEnv.reset, MultiAgentMarketEnv.step

    assert has_array_face(MultiAgentMarketEnv) and not has_array_face(DictOnly)
    assert env_runner_class(MultiAgentMarketEnv) is BatchedEnvRunner
    assert env_runner_class(DictOnly) is LeanEnvRunner
    assert build_ppo_config(load({})).env_runner_cls is BatchedEnvRunner


def test_batched_runner_refuses_modes_it_does_not_implement() -> None:
    runner = _runner(load(SMALL), BatchedEnvRunner)
    try:
        for kwargs in ({"num_episodes": 1}, {"random_actions": True}, {"explore": False}):
            with pytest.raises(ValueError, match="num_timesteps with exploration only"):
                runner.sample(**kwargs)
    finally:
        runner.stop()


def test_the_direct_actor_gives_the_modules_logits_bit_for_bit() -> None:
    runner = _runner(load(SMALL), BatchedEnvRunner)
    try:
        module = runner.module["momentum"]
        net = actor_net(module)
        assert net is not None and actor_net(module) is net  # built once per module
        obs = torch.from_numpy(np.random.default_rng(0).normal(size=(60, 15)).astype(np.float32))
        expected = module.forward_exploration({"obs": obs})["action_dist_inputs"]
        with torch.no_grad():
            assert torch.equal(net(obs), expected)
        assert actor_net(torch.nn.Linear(15, 3)) is None  # not RLlib's PPO MLP: its own forward
    finally:
        runner.stop()


@pytest.mark.parametrize(
    ("setting", "named"),
    [({"env_to_module_connector": lambda env, spaces, device: []}, "env_to_module_connector"),
     ({"callbacks_on_episode_end": lambda **kw: None}, "callbacks_on_episode_end")],
)  # fmt: skip
def test_batched_runner_refuses_connectors_and_callbacks_it_would_skip(
    setting: dict[str, Any], named: str
) -> None:
    config = build_ppo_config(load(SMALL))
    if "env_to_module_connector" in setting:
        config = config.env_runners(**setting)
    else:
        config = config.callbacks(on_episode_end=setting[named])
    with pytest.raises(ValueError, match=named):
        BatchedEnvRunner(config=config)
