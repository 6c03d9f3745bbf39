"""`python -m pipeline +experiment=NAME [group=option ...] [-m]`: one experiment (or sweep) per job.

Thin on purpose: Hydra composes and type-checks the config, pipeline.experiment.run does
the work. A config error exits with status 2 and a one-line message before any work starts.
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from pipeline.config import ConfigError, register


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    """Run the composed experiment; config errors end the process with exit code 2."""
    from pipeline.experiment import run

    try:
        run(cfg)
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr, flush=True)
        sys.exit(2)


if __name__ == "__main__":
    register()
    main()
