"""Steps per second of the simulator (fused compiled step) and of MultiAgentMarketEnv.

Both use the default market (100 background traders). Wall time and CPU time are printed:
on a shared machine the CPU time of this process is the steadier figure.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from market.env import MultiAgentMarketEnv
from market.simulator import MarketSimulator

TARGET_SIM = 65_000
TARGET_ENV = 30_000
BEFORE_SIM = ("54.8k steps/s CPU, 18.3 us (2026-12-02, one step call unboxing 48 arguments); "
              "issue 11: 22.8k (per-group engine)")
BEFORE_ENV = ("8.0k steps/s CPU, 125 us (2026-12-02, observations and rewards from simulator "
              "properties, two compiled calls); issue 11: 12.9k")
STEPS = 20_000
REPEATS = 3


def _timed(run: Callable[[], None]) -> tuple[float, float]:
    """(wall s, CPU s) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def env_run(steps: int = STEPS, seed: int = 0) -> tuple[float, float]:
    """(wall s, CPU s) of `steps` default-env steps under random actions (resets included)."""
    env = MultiAgentMarketEnv()
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    agents = list(env.agents)
    actions = [dict(zip(agents, row, strict=True))
               for row in rng.integers(0, 3, size=(steps, len(agents))).tolist()]

    def run() -> None:
        for a in actions:
            if env.step(a)[3]["__all__"]:
                env.reset()

    return _timed(run)


def simulator_run(
    steps: int = STEPS, seed: int = 0, config: dict | None = None
) -> tuple[float, float]:
    """(wall s, CPU s) of `steps` bare simulator steps (no RL agents, no observations)."""
    sim = MarketSimulator({"episode_length": steps, **(config or {})}, seed=seed)

    def run() -> None:
        for _ in range(steps):
            sim.step()

    return _timed(run)


def _line(name: str, runs: list[tuple[float, float]], steps: int, target: int, before: str) -> str:
    wall = sorted(steps / w for w, _ in runs)
    cpu = sorted(steps / c for _, c in runs)
    verdict = "meets" if cpu[-1] >= target else "BELOW"
    return (f"{name}: {wall[0]:,.0f}-{wall[-1]:,.0f} steps/s wall, {cpu[0]:,.0f}-{cpu[-1]:,.0f} "
            f"CPU ({1e6 / cpu[-1]:.1f} us/step best)  target >= {target:,}: {verdict}; "
            f"before: {before}")  # fmt: skip


def main() -> None:
    simulator_run(500)  # load the compiled code
    sim = [simulator_run() for _ in range(REPEATS)]
    env = [env_run() for _ in range(REPEATS)]
    print(_line("simulator (100 background traders, no RL agents)", sim, STEPS, TARGET_SIM,
                BEFORE_SIM))  # fmt: skip
    print(_line("env (3 RL agents, random actions, dicts in/out)", env, STEPS, TARGET_ENV,
                BEFORE_ENV))  # fmt: skip
    print("reference: PyMarketSim 1,329 steps/s under the same load (issue 11); "
          "a Rust simulator with NumPy agents 36 us/step for 100 orders")


if __name__ == "__main__":
    main()
