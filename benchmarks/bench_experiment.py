"""Wall time and peak memory of whole experiments, run as `python -m pipeline` subprocesses.

Peak memory is the largest sum of RSS over the subprocess and all its descendants (the local
Ray's GCS, raylet and workers), sampled every 0.5 s from /proc. Summing RSS counts shared
pages (torch, numpy) once per process, so the figure is an upper bound.
Targets: herding (`make run`: all replicates, evaluation, report) under 25 minutes and
under 6 GB. BENCH_EXPERIMENTS=smoke runs only the smoke one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.paths import PROJECT_ROOT

EXPERIMENTS = ("smoke", "herding")
TARGETS = {"herding": (25 * 60.0, 6.0)}  # seconds, GB
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Bytes of RSS of ``root`` and every descendant process right now."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - tree
        tree |= frontier
    return sum(rss.get(pid, 0) for pid in tree)


def measure(experiment: str, workdir: Path) -> tuple[float, float, int]:
    """Run one experiment into a temp store: (wall seconds, peak tree RSS in GB, exit code)."""
    env = {**os.environ, "THINKING_MARKET_OUTPUTS": str(workdir / "outputs"),
           "RAY_AUTH_MODE": os.environ.get("RAY_AUTH_MODE", "disabled")}
    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    command = [
        sys.executable, "-m", "pipeline", f"+experiment={experiment}", f"tracking.uri='{uri}'"
    ]
    start = time.perf_counter()
    with open(workdir / f"{experiment}.log", "w") as log:
        proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.5)
    return time.perf_counter() - start, peak / 1e9, proc.returncode


def main() -> None:
    """Print wall time and peak RSS of the smoke and herding experiments vs the targets."""
    names = os.environ.get("BENCH_EXPERIMENTS", ",".join(EXPERIMENTS)).split(",")
    with tempfile.TemporaryDirectory(prefix="bench-experiment-") as tmp:
        for name in names:
            wall, peak_gb, code = measure(name, Path(tmp))
            status = "ok" if code == 0 else f"FAILED (exit {code}, see log)"
            line = f"  +experiment={name:<8} wall {wall / 60:6.2f} min   peak RSS {peak_gb:5.2f} GB"
            if name in TARGETS:
                max_s, max_gb = TARGETS[name]
                line += f"   (target < {max_s / 60:.0f} min, < {max_gb:.0f} GB)"
            print(f"{line}   {status}", flush=True)
            log = (Path(tmp) / f"{name}.log").read_text()
            if code != 0:
                print(log[-2000:])
            else:
                lines = [line for line in log.splitlines() if line.startswith("[pipeline]")]
                print("\n".join(f"     {line}" for line in lines))
