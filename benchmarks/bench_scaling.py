"""Cost of one simulator step at 10, 100, 1,000 and 10,000 background traders (default mix).

The mix keeps the default proportions (60% noise, 20% fundamentalists, 14% momentum, 6% market
makers); the curve should grow at most linearly (us per trader roughly flat or falling).
"""

from __future__ import annotations

from benchmarks.bench_env import simulator_run

SIZES = (10, 100, 1_000, 10_000)
SHARES = {"noise": 0.60, "fundamentalist": 0.20, "momentum": 0.14, "market_maker": 0.06}


def counts(n: int) -> dict[str, int]:
    """The default mix scaled to n traders (at least one of each kind)."""
    return {k: max(1, round(n * share)) for k, share in SHARES.items()}


def main() -> None:
    print(f"{'traders':>8} {'us/step (CPU)':>14} {'us/trader':>10} {'steps':>6}")
    previous = None
    for n in SIZES:
        steps = max(200, 200_000 // n)
        simulator_run(50, config={"counts": counts(n)})
        cpu = min(simulator_run(steps, config={"counts": counts(n)})[1] for _ in range(3))
        us = cpu / steps * 1e6
        growth = "" if previous is None else f"  x{us / previous[1]:.1f} for x{n / previous[0]:.0f}"
        print(f"{n:>8,} {us:>14.1f} {us / n:>10.3f} {steps:>6}{growth}")
        previous = (n, us)
    print("at most linear: the us/trader column must not rise")


if __name__ == "__main__":
    main()
