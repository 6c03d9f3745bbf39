"""The smoke sweep on a real local two-node Ray cluster (`ray start --head` + a worker node).

Each node has one CPU and a trial needs two (the trial with PPO's learner + one env runner),
so the sweep can only run by spanning both nodes. The cluster lives in its own --temp-dir and is
torn down by the process ids of that cluster only: `ray stop --force` would kill every Ray
process on the machine, other users' included.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.paths import PROJECT_ROOT
from tests.conftest import store_overrides
from tests.pipeline.test_sweep import TWO_LRS, check_sweep_runs

pytestmark = pytest.mark.slow
RAY = str(Path(sys.executable).parent / "ray")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cluster_pids(temp_dir: str) -> set[int]:
    """Processes whose command line names the cluster's temp dir, and their descendants."""
    parents: dict[int, int] = {}
    owned: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents[int(entry.name)] = ppid
        if temp_dir in cmdline:
            owned.add(int(entry.name))
    grew = True
    while grew:
        children = {pid for pid, ppid in parents.items() if ppid in owned} - owned
        owned |= children
        grew = bool(children)
    return owned


def _stop_cluster(temp_dir: str) -> None:
    """SIGTERM, then SIGKILL, exactly the processes of this cluster."""
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        pids = _cluster_pids(temp_dir)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while _cluster_pids(temp_dir) and time.monotonic() < deadline:
            time.sleep(0.2)


def _ray_start(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run([RAY, "start", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture
def two_node_cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """A head and a worker node, one CPU each, auth disabled (see HOUSE_STYLE pitfalls)."""
    temp_dir = tempfile.mkdtemp(prefix="tmray", dir="/tmp")  # short: Unix socket path limits
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
    address = f"127.0.0.1:{_free_port()}"
    common = ["--num-cpus=1", "--node-ip-address=127.0.0.1", f"--temp-dir={temp_dir}",
              "--disable-usage-stats"]
    try:
        _ray_start(["--head", f"--port={address.split(':')[1]}", "--include-dashboard=false",
                    *common], env)
        _ray_start([f"--address={address}", *common], env)
        yield address, env
    finally:
        _stop_cluster(temp_dir)
    assert not _cluster_pids(temp_dir)
    shutil.rmtree(temp_dir, ignore_errors=True)


def _alive_nodes(address: str, env: dict[str, str]) -> int:
    code = (f"import ray; ray.init(address={address!r}); "
            "print(sum(n['Alive'] for n in ray.nodes()))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def test_smoke_sweep_runs_on_a_two_node_cluster(
    two_node_cluster: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    address, env = two_node_cluster
    assert _alive_nodes(address, env) == 2
    # ray.address=auto finds the cluster as a researcher's shell would: through RAY_ADDRESS
    # (this cluster lives in its own --temp-dir, so /tmp/ray/ray_current_cluster is not written).
    env = {**env, "THINKING_MARKET_OUTPUTS": str(tmp_path / "outputs"), "RAY_ADDRESS": address}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "+experiment=smoke", "sweep=ppo_lr", TWO_LRS,
         "ray.address=auto", f"sweep.storage_path={tmp_path / 'ray_results'}",
         *store_overrides(tmp_path)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    parent_id = proc.stdout.split("[sweep] done: parent MLflow run ")[1].split()[0]
    check_sweep_runs(f"sqlite:///{tmp_path / 'mlflow.db'}", parent_id)
