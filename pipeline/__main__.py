"""`python -m pipeline +experiment=NAME [group=option ...] [-m]`: one experiment (or sweep) per job.

Thin on purpose: Hydra composes and type-checks the config (the schemas of pipeline.config),
pipeline.experiment.run does the work. A config error exits with status 2 and a one-line
message before any work starts; a failure during the run exits non-zero with its error.
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

import pipeline.config  # noqa: F401  (registers the config schema and resolvers)


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    """Run the composed experiment; config errors end the process with exit code 2."""
    from pipeline.config import ConfigError
    from pipeline.experiment import run

    try:
        run(cfg)
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr, flush=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
