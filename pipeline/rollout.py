"""Episodes stepped in lockstep, with one batched forward pass per policy and step.

Evaluation runs hundreds of episodes (replicates x seeds x arms); stepping them together lets
every trained policy act for all the agents it drives, in all live episodes, in one
``forward_inference`` call per step. An episode is an ``EpisodeSpec``: its seed, which agents a
trained policy drives (agent -> policy key) and the stand-in source for the other agents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

MAX_LIVE_ENVS = 64  # episodes stepped together (memory: one market env each)


class ActionSource(Protocol):
    """Chooses Discrete(3) actions for some RL agents from their observations."""

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]: ...


class BatchPolicy(Protocol):
    """A policy that acts greedily on a batch of observations (pipeline.policy.TrainedPolicy)."""

    def act_batch(self, obs: np.ndarray) -> np.ndarray: ...


@dataclass
class EpisodeSpec:
    """One episode: seed, agents driven by trained policies (agent -> key), the rest's source."""

    seed: int
    policy_agents: dict[str, Any] = field(default_factory=dict)
    stand_in: ActionSource | None = None


def _choose(
    specs: Sequence[EpisodeSpec],
    obs: Sequence[dict[str, np.ndarray]],
    policies: dict[Any, BatchPolicy],
) -> list[dict[str, int]]:
    """Every live episode's actions: batched per policy key, stand-ins per episode."""
    requests: dict[Any, list[tuple[int, str]]] = {}
    actions: list[dict[str, int]] = [{} for _ in specs]
    for i, spec in enumerate(specs):
        for agent in obs[i]:
            key = spec.policy_agents.get(agent)
            if key is not None:
                requests.setdefault(key, []).append((i, agent))
    for key, items in requests.items():
        chosen = policies[key].act_batch(np.stack([obs[i][agent] for i, agent in items]))
        for (i, agent), action in zip(items, chosen, strict=True):
            actions[i][agent] = int(action)
    for i, spec in enumerate(specs):
        others = {a: o for a, o in obs[i].items() if a not in spec.policy_agents}
        if others:
            if spec.stand_in is None:
                raise ValueError(f"episode seed={spec.seed}: no source for agents {sorted(others)}")
            actions[i].update(spec.stand_in(others))
    return actions


def _run_chunk(
    envs: Sequence[Any], specs: Sequence[EpisodeSpec], policies: dict[Any, BatchPolicy]
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Run ``len(specs)`` episodes side by side on the first envs of the pool."""
    live = list(envs[: len(specs)])
    obs = [env.reset(seed=spec.seed)[0] for env, spec in zip(live, specs, strict=True)]
    done = [False] * len(specs)
    while not all(done):
        index = [i for i, finished in enumerate(done) if not finished]
        chosen = _choose([specs[i] for i in index], [obs[i] for i in index], policies)
        for i, actions in zip(index, chosen, strict=True):
            obs[i], _, terminated, truncated, _ = live[i].step(actions)
            done[i] = bool(terminated.get("__all__") or truncated.get("__all__"))
    return [(env.market_record(), env.agent_record()) for env in live]


def run_episodes(
    make_env: Callable[[], Any],
    specs: Sequence[EpisodeSpec],
    policies: dict[Any, BatchPolicy],
    pool: list[Any] | None = None,
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(market record, agent record) of every episode, in ``specs`` order.

    Episodes are independent (each env is reset with its own seed); the chunking is fixed by
    the order of ``specs``, so the same specs give the same batches and the same actions.
    ``pool`` keeps envs alive between calls.
    """
    envs = pool if pool is not None else []
    out: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    for start in range(0, len(specs), MAX_LIVE_ENVS):
        chunk = specs[start : start + MAX_LIVE_ENVS]
        while len(envs) < len(chunk):
            envs.append(make_env())
        out.extend(_run_chunk(envs, chunk, policies))
    return out
