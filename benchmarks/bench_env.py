"""Env steps per second: default MultiAgentMarketEnv (100 background traders), random actions."""

from __future__ import annotations

import time

import numpy as np

from market.env import MultiAgentMarketEnv
from market.simulator import MarketSimulator

TARGET_STEPS_PER_S = 10_000
STEPS = 20_000


def env_steps_per_second(steps: int = STEPS, seed: int = 0) -> float:
    """Steps/s of the default env under uniformly random actions (resets included)."""
    env = MultiAgentMarketEnv()
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, 3, size=(steps, len(env.agents))).tolist()
    agents = list(env.agents)
    start = time.perf_counter()
    for row in actions:
        _, _, _, truncated, _ = env.step(dict(zip(agents, row, strict=True)))
        if truncated["__all__"]:
            env.reset()
    return steps / (time.perf_counter() - start)


def simulator_steps_per_second(steps: int = STEPS, seed: int = 0) -> float:
    """Steps/s of the bare simulator (no RL agents, no observations)."""
    sim = MarketSimulator({"episode_length": steps}, seed=seed)
    start = time.perf_counter()
    for _ in range(steps):
        sim.step()
    return steps / (time.perf_counter() - start)


def main() -> None:
    env_sps = max(env_steps_per_second() for _ in range(2))
    sim_sps = max(simulator_steps_per_second() for _ in range(2))
    print(
        f"env steps/s (default config, 3 RL agents, random actions): {env_sps:,.0f} "
        f"= {1e6 / env_sps:.0f} us/step  (target >= {TARGET_STEPS_PER_S:,})"
    )
    print(
        f"simulator steps/s (100 background traders, no RL agents):   {sim_sps:,.0f} "
        f"= {1e6 / sim_sps:.0f} us/step"
    )
    print(
        "reference: PyMarketSim ~500 us/step with 101 agents; a Rust simulator with NumPy "
        "agents 36 us/step for 100 orders"
    )


if __name__ == "__main__":
    main()
