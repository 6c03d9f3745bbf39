"""RLlib env runners for the market: RLlib's sampling with fewer Python objects per step.

`LeanEnvRunner` is RLlib's `MultiAgentEnvRunner` with per-sample bookkeeping. `BatchedEnvRunner`
also replaces RLlib's per-step connector pipelines: it steps RLlib's own sub-envs through the
env's array face (`reset_array`/`step_array`), runs each policy net once per step on all envs'
observations, and builds the episode chunks once per `sample()` call. It returns the same
episodes, actions and metrics as RLlib's runner for the same seed (tests/pipeline/
test_env_runners.py checks it step for step), so training with it is the same training, faster.
One difference on purpose: a module shared by several agents gets their rows in agent order,
where RLlib's order follows a set of agent ids and so Python's string hashing (PYTHONHASHSEED).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from ray.rllib.callbacks.callbacks import RLlibCallback
from ray.rllib.core.columns import Columns
from ray.rllib.env.multi_agent_env_runner import MultiAgentEnvRunner
from ray.rllib.env.multi_agent_episode import MultiAgentEpisode
from ray.rllib.utils.metrics import (
    NUM_AGENT_STEPS_SAMPLED,
    NUM_AGENT_STEPS_SAMPLED_LIFETIME,
    NUM_ENV_STEPS_SAMPLED,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    NUM_EPISODES,
    NUM_EPISODES_LIFETIME,
    NUM_MODULE_STEPS_SAMPLED,
    NUM_MODULE_STEPS_SAMPLED_LIFETIME,
    WEIGHTS_SEQ_NO,
)

ENV_STEPS, EPISODES, AGENT, MODULE = "env_steps", "episodes", "agent", "module"
_COUNTER_KEYS = {
    AGENT: (NUM_AGENT_STEPS_SAMPLED, NUM_AGENT_STEPS_SAMPLED_LIFETIME),
    MODULE: (NUM_MODULE_STEPS_SAMPLED, NUM_MODULE_STEPS_SAMPLED_LIFETIME),
}


class LeanEnvRunner(MultiAgentEnvRunner):
    """RLlib's multi-agent env runner with per-sample instead of per-agent-step bookkeeping.

    RLlib logs four counters per agent and env step and toggles each module between train and
    eval mode around every forward pass; here the agent and module counters are summed over one
    ``sample()`` call and logged once (same totals), and the inference-only modules stay in eval
    mode (they are never trained: the learner has its own copy).
    """

    def make_module(self) -> None:  # noqa: D102
        super().make_module()
        if self.module is not None:
            for module_id in list(self.module.keys()):
                _pin_eval(self.module[module_id])
            _sorted_forwards(self.module)

    def sample(self, **kwargs: Any) -> Any:  # noqa: D102
        self._counts: Counter[Any] = Counter()
        try:
            return super().sample(**kwargs)
        finally:
            self._flush_counts()

    def _increase_sampled_metrics(self, num_steps: int, next_obs: Any, episode: Any) -> int:
        counts = self._counts
        counts[ENV_STEPS] += num_steps
        counts[EPISODES] += int(episode.is_done)
        for aid in next_obs:
            counts[(AGENT, str(aid))] += 1
            counts[(MODULE, episode.module_for(aid))] += 1
        return num_steps

    def _flush_counts(self) -> None:
        log = self.metrics.log_value
        counts = self._counts
        if counts[ENV_STEPS]:
            log(NUM_ENV_STEPS_SAMPLED, counts[ENV_STEPS], reduce="sum")
            log(NUM_ENV_STEPS_SAMPLED_LIFETIME, counts[ENV_STEPS], reduce="lifetime_sum",
                with_throughput=True)  # fmt: skip
        if counts[EPISODES]:
            log(NUM_EPISODES, counts[EPISODES], reduce="sum")
            log(NUM_EPISODES_LIFETIME, counts[EPISODES], reduce="lifetime_sum")
        for key, n in sorted(counts.items(), key=str):
            if isinstance(key, tuple):
                kind, name = key
                keys = _COUNTER_KEYS[kind]
                log((keys[0], name), n, reduce="sum")
                log((keys[1], name), n, reduce="lifetime_sum")
        counts.clear()


def _sorted_forwards(multi: Any) -> None:
    """Run the modules' forward passes, and so their action sampling, in module-id order.

    RLlib builds the per-module batch in an order that follows Python's string hashing, which
    differs between processes (PYTHONHASHSEED); the modules then draw their actions from the
    shared torch RNG in a different order and two runs of one seed diverge.
    """
    explore, infer = multi.forward_exploration, multi.forward_inference
    multi.forward_exploration = lambda batch, **kw: explore(dict(sorted(batch.items())), **kw)
    multi.forward_inference = lambda batch, **kw: infer(dict(sorted(batch.items())), **kw)


def _pin_eval(module: Any) -> None:
    """Put an inference-only module in eval mode once and skip the per-call mode toggling."""
    module.eval()
    module.forward_exploration = module._forward_exploration
    module.forward_inference = module._forward_inference


def has_array_face(env_cls: Any) -> bool:
    """Whether `env_cls` has the array face (`reset_array`/`step_array`) BatchedEnvRunner needs."""
    return callable(getattr(env_cls, "reset_array", None)) and callable(
        getattr(env_cls, "step_array", None)
    )


def _refuse_what_it_would_skip(config: Any) -> None:
    """ValueError for settings BatchedEnvRunner would silently ignore: it runs no connectors and
    makes no per-episode callbacks."""
    skipped = [name for name, set_ in [
        ("env_to_module_connector", config._env_to_module_connector is not None),
        ("module_to_env_connector", config._module_to_env_connector is not None),
        ("callbacks_class", config.callbacks_class is not RLlibCallback),
        *[(f"callbacks_on_episode_{w}", getattr(config, f"callbacks_on_episode_{w}") is not None)
          for w in ("created", "start", "step", "end")],
    ] if set_]  # fmt: skip
    if skipped:
        raise ValueError(
            f"BatchedEnvRunner runs no connectors or episode callbacks, but {', '.join(skipped)}"
            " is set; use LeanEnvRunner (RLlib's runner)"
        )


def actor_net(module: Any) -> torch.nn.Module | None:
    """The actor of RLlib's default PPO MLP module as one torch module (obs -> logits).

    The inference-only module's own forward also runs the critic encoder (RLlib 2.60 keeps it)
    and wraps every layer call in dicts; this is the same layers, so the same logits bit for bit
    (tests/pipeline/test_env_runners.py). None for any other module: then its forward is used.
    """
    encoder, head = getattr(module, "encoder", None), getattr(module, "pi", None)
    config = getattr(encoder, "config", None)
    if config is None or getattr(config, "shared", True) or getattr(head, "clip_log_std", True):
        return None
    try:
        actor, logits = encoder.actor_encoder.net.mlp, head.net.mlp  # type: ignore[union-attr]
    except AttributeError:
        return None
    if not isinstance(actor, torch.nn.Sequential) or not isinstance(logits, torch.nn.Sequential):
        return None
    cached = getattr(module, "_actor_net", None)
    if cached is None or cached[0] is not actor or cached[1] is not logits:
        cached = (actor, logits, torch.nn.Sequential(actor, logits))
        module._actor_net = cached
    return cached[2]


@dataclass
class Chunk:
    """One sub-env's episode data since the last `sample()` call (and its lookback step).

    `obs[k]` is the (n_agents, 15) observation before `actions[k]`; the first `lookback` steps
    are the previous chunk's last ones (RLlib's `episode_lookback_horizon`).
    """

    episode_id: str
    agent_ids: dict[str, str]
    t_started: int
    lookback: int = 0
    obs: list[np.ndarray] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    rewards: list[np.ndarray] = field(default_factory=list)
    logits: list[np.ndarray] = field(default_factory=list)
    logp: list[np.ndarray] = field(default_factory=list)
    started_s: float = 0.0
    done: bool = False

    @property
    def steps(self) -> int:
        """Steps of this chunk, the lookback excluded."""
        return len(self.actions) - self.lookback

    def successor(self, horizon: int) -> Chunk:
        """The next chunk of the same episode, with the last `horizon` steps as lookback."""
        h = min(horizon, len(self.actions))
        later = Chunk(self.episode_id, self.agent_ids, self.t_started + self.steps, h,
                      started_s=self.started_s)  # fmt: skip
        later.obs = self.obs[len(self.obs) - h - 1 :]
        for name in ("actions", "rewards", "logits", "logp"):
            setattr(later, name, getattr(self, name)[len(self.actions) - h :])
        return later


class BatchedEnvRunner(LeanEnvRunner):
    """RLlib's multi-agent env runner for envs with an array face, one policy call per step.

    Same semantics as `MultiAgentEnvRunner.sample(num_timesteps=...)` with exploration
    (the only way PPO's training samples): RLlib's sub-envs, seeds and next-step auto-reset,
    each module's actions drawn in module-id order from its exploration distribution on its
    agents' observations (env-major), episode chunks cut after each call. Other modes
    (`num_episodes`, random actions, no exploration) raise ValueError.
    """

    def make_env(self) -> None:  # noqa: D102
        _refuse_what_it_would_skip(self.config)
        super().make_env()
        vector: Any = self.env
        self._subs = [sub.unwrapped for sub in vector.envs]
        first = self._subs[0]
        if not has_array_face(type(first)):
            raise ValueError(f"{type(first).__name__} has no reset_array/step_array; "
                             "use LeanEnvRunner")  # fmt: skip
        self._agents = [str(a) for a in first.possible_agents]
        for sub in self._subs:
            if [str(a) for a in sub.possible_agents] != self._agents:
                raise ValueError("BatchedEnvRunner needs the same agents in every sub-env")
        mapping: Any = self.config.policy_mapping_fn
        modules = [mapping(aid, None) for aid in self._agents]
        self._module_of = dict(zip(self._agents, modules, strict=True))
        self._rows = {m: np.array([i for i, x in enumerate(modules) if x == m])
                      for m in sorted(set(modules))}  # fmt: skip
        self._spaces = (
            {aid: first.get_observation_space(aid) for aid in self._agents},
            {aid: first.get_action_space(aid) for aid in self._agents},
        )
        self._chunks: list[Chunk] = []  # one per sub-env, from the first reset on

    def _new_chunk(self) -> Chunk:
        return Chunk(_new_id(), {aid: _new_id() for aid in self._agents}, 0,
                     started_s=time.perf_counter())  # fmt: skip

    def _sample(
        self, *, num_timesteps: int | None = None, num_episodes: int | None = None,
        explore: bool, random_actions: bool = False, force_reset: bool = False,
    ) -> list[MultiAgentEpisode]:  # fmt: skip
        if num_timesteps is None or num_episodes is not None or random_actions or not explore:
            raise ValueError(
                "BatchedEnvRunner samples num_timesteps with exploration only (got "
                f"{num_timesteps=}, {num_episodes=}, {random_actions=}, {explore=})"
            )
        if force_reset or self._needs_initial_reset:
            self._reset_all()
        done: list[Chunk] = []
        env_ts = 0
        counts = self._counts
        while env_ts < num_timesteps:
            live = {i: k for k, i in enumerate(i for i, c in enumerate(self._chunks) if not c.done)}
            if live:
                actions, logits, logp = self._act(np.stack([self._chunks[i].obs[-1] for i in live]))
            for i, sub in enumerate(self._subs):
                chunk = self._chunks[i]
                if chunk.done:  # next-step auto-reset, as RLlib's vector env
                    self._chunks[i] = self._start(sub, seed=None)
                    continue
                k = live[i]
                obs, rewards, truncated = sub.step_array(actions[k])
                chunk.actions.append(actions[k])
                chunk.logits.append(logits[k])
                chunk.logp.append(logp[k])
                chunk.rewards.append(rewards)
                chunk.obs.append(obs)
                env_ts += 1
                if truncated:
                    chunk.done = True
                    done.append(chunk)
        counts[ENV_STEPS] += env_ts
        counts[EPISODES] += len(done)
        for aid in self._agents:  # every agent acts on every env step
            counts[(AGENT, aid)] += env_ts
            counts[(MODULE, self._module_of[aid])] += env_ts
        if env_ts:
            self._log_env_steps(metric=self._metrics_num_env_steps_sampled, num_steps=env_ts)
        done_episodes = [self._episode(c) for c in done]
        self._done_episodes_for_metrics.extend(done_episodes)
        ongoing: list[MultiAgentEpisode] = []
        horizon = self.config.episode_lookback_horizon
        for i, chunk in enumerate(self._chunks):
            if chunk.done or chunk.steps == 0:
                continue
            episode = self._episode(chunk)
            self._ongoing_episodes_for_metrics[episode.id_].append(episode)
            ongoing.append(episode)
            self._chunks[i] = chunk.successor(horizon)
        return done_episodes + ongoing

    def _reset_all(self) -> None:
        """RLlib's first reset: sub-env i gets the runner's seed + i (None: unseeded)."""
        self._ongoing_episodes_for_metrics.clear()
        seed = self._seed if self._needs_initial_reset else None
        self._chunks = [self._start(sub, None if seed is None else seed + i)
                        for i, sub in enumerate(self._subs)]  # fmt: skip
        self._needs_initial_reset = False

    def _start(self, sub: Any, seed: int | None) -> Chunk:
        chunk = self._new_chunk()
        chunk.obs.append(np.asarray(sub.reset_array(seed=seed), dtype=np.float32))
        return chunk

    def _act(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(actions, logits, logp) per env and agent for the live envs' observations (E, n, d)."""
        n_env, n_agents, dim = obs.shape
        actions = np.empty((n_env, n_agents), dtype=np.int32)  # the dtype RLlib records
        logits = np.empty((n_env, n_agents, 0), dtype=np.float32)
        logp = np.empty((n_env, n_agents), dtype=np.float32)
        modules: Any = self.module
        with torch.no_grad():
            for module_id, rows in self._rows.items():  # module-id order: RNG draws as RLlib's
                module = modules[module_id]
                batch = torch.from_numpy(np.ascontiguousarray(obs[:, rows].reshape(-1, dim)))
                net = actor_net(module)
                if net is None:
                    dist_inputs = module.forward_exploration({Columns.OBS: batch})[
                        Columns.ACTION_DIST_INPUTS
                    ]
                else:
                    dist_inputs = net(batch)
                dist = module.get_exploration_action_dist_cls().from_logits(dist_inputs)
                sampled = dist.sample()
                lp = dist.logp(sampled)
                if logits.shape[2] == 0:
                    logits = np.empty((n_env, n_agents, dist_inputs.shape[1]), dtype=np.float32)
                actions[:, rows] = np.asarray(sampled).reshape(n_env, len(rows))
                logits[:, rows] = np.asarray(dist_inputs).reshape(n_env, len(rows), -1)
                logp[:, rows] = np.asarray(lp).reshape(n_env, len(rows))
        return actions, logits, logp

    def _episode(self, chunk: Chunk) -> MultiAgentEpisode:
        """The RLlib episode (chunk) of `chunk`, as RLlib's runner would have built it."""
        agents = self._agents
        seq = self._weights_seq_no
        n = len(chunk.actions)

        extras = [
            {aid: {Columns.ACTION_DIST_INPUTS: chunk.logits[k][j],
                   Columns.ACTION_LOGP: chunk.logp[k][j], WEIGHTS_SEQ_NO: seq}
             for j, aid in enumerate(agents)}
            for k in range(n)
        ]  # fmt: skip
        flags: dict[str, bool] = dict.fromkeys(agents, chunk.done)
        data: dict[str, Any] = dict(
            id_=chunk.episode_id,
            observations=[dict(zip(agents, row, strict=True)) for row in chunk.obs],
            observation_space=self._spaces[0],
            infos=[{aid: {} for aid in agents} for _ in chunk.obs],
            actions=[dict(zip(agents, row, strict=True)) for row in chunk.actions],
            action_space=self._spaces[1],
            rewards=[dict(zip(agents, row.tolist(), strict=True)) for row in chunk.rewards],
            extra_model_outputs=extras,
            # RLlib's runner records an episode whose agents are all truncated as terminated too.
            terminateds={**flags, "__all__": chunk.done},
            truncateds={**flags, "__all__": chunk.done},
            env_t_started=chunk.t_started,
            agent_t_started=dict.fromkeys(agents, chunk.t_started),
            len_lookback_buffer=chunk.lookback,
            agent_episode_ids=dict(chunk.agent_ids),
            agent_module_ids=dict(self._module_of),
            agent_to_module_mapping_fn=self.config.policy_mapping_fn,
        )
        episode = MultiAgentEpisode(**data)
        episode._start_time = chunk.started_s  # type: ignore[assignment]  # RLlib types it None
        episode._last_step_time = time.perf_counter()  # type: ignore[assignment]
        return episode.to_numpy() if self.episodes_to_numpy else episode


def _new_id() -> str:
    """An episode id as RLlib makes them (random, not seeded: ids are not data)."""
    return uuid.uuid4().hex
