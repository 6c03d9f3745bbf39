"""Who acts in the RL agents' slots during evaluation: the trained policies or a stand-in.

Each source maps a dict of observations (agent -> 15-dim float32) to a dict of actions
(0 HOLD, 1 BUY, 2 SELL). The trained policies act greedily, batched per policy; the stand-ins
are the counterfactuals of the hypothesis tests (noise traders at the agents' trading rate, the
agents removed, their rule-based counterparts) and of the learning comparison (uniform random,
always hold, rule-based).
"""

from __future__ import annotations

import numpy as np

from pipeline.policy import TrainedPolicy


class PolicyActions:
    """The trained policies, greedy; agents sharing a policy are batched in one forward pass."""

    def __init__(self, policies: dict[str, TrainedPolicy], mapping: dict[str, str]) -> None:
        self.policies = policies
        self.mapping = mapping

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        groups: dict[str, list[str]] = {}
        for agent in obs:
            groups.setdefault(self.mapping[agent], []).append(agent)
        actions: dict[str, int] = {}
        for module, agents in groups.items():
            chosen = self.policies[module].act_batch(np.stack([obs[a] for a in agents]))
            actions.update({agent: int(a) for agent, a in zip(agents, chosen, strict=True)})
        return actions


class NoiseActions:
    """Noise traders in the RL agents' slots: trade with each agent's observed rate, 50/50 side."""

    def __init__(self, rates: dict[str, float], rng: np.random.Generator) -> None:
        self.rates = rates
        self.rng = rng

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        agents = sorted(obs)
        trade = self.rng.random(len(agents)) < np.array([self.rates.get(a, 0.0) for a in agents])
        side = self.rng.random(len(agents)) < 0.5
        return {a: (1 if s else 2) if t else 0 for a, t, s in zip(agents, trade, side, strict=True)}


class RandomActions:
    """Uniformly random Discrete(3) actions from a seeded generator (a learning stand-in)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        agents = sorted(obs)
        draws = self.rng.integers(0, 3, size=len(agents))
        return {agent: int(a) for agent, a in zip(agents, draws, strict=True)}


class HoldActions:
    """The RL agents removed: their slots never trade."""

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        return {agent: 0 for agent in obs}


class RuleBasedActions:
    """Each RL agent replaced by the rule-based trader of its style (market.agents.counterparts)."""

    def __init__(self, styles: dict[str, str]) -> None:
        from market.agents.counterparts import rule_based_action

        self.styles = styles
        self.rule = rule_based_action

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        return {agent: int(self.rule(self.styles[agent], o)) for agent, o in obs.items()}


class GreedyModule:
    """A restored RLModule acting greedily, with its inference forward pass called directly.

    Same logits as ``TrainedPolicy.logits``; it skips ``forward_inference``'s eval()/train()
    toggling, which walks the whole module tree on every call (~1 ms, most of the inference
    time here). The module is already in eval mode (pipeline.policy.load_policies).
    """

    def __init__(self, policy: TrainedPolicy) -> None:
        self.module = policy.module

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        import torch
        from ray.rllib.core.columns import Columns

        with torch.inference_mode():
            batch = torch.from_numpy(np.asarray(obs, dtype=np.float32))
            logits = self.module._forward_inference({Columns.OBS: batch})
        return np.argmax(logits[Columns.ACTION_DIST_INPUTS].numpy(), axis=1)
