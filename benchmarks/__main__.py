"""`make bench`: run every benchmark and print its figures (``python -m benchmarks [name ...]``)."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = ["book", "env", "scaling", "hypotheses", "ppo", "api", "experiment"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {BENCHMARKS}", file=sys.stderr)
        return 2
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        module.main()
        print(f"[{name} took {time.perf_counter() - start:.1f} s]", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
