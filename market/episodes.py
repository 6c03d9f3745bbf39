"""What the RLlib env and the PettingZoo env share, so both run the very same episodes.

Episode seeding (an explicit seed, else the config seed on the first reset, else a draw from the
env's own seeder) and the Discrete(3) action -> simulator side map (the action dicts are parsed
by market.agent_io.AgentIO). No Ray here.
"""

from __future__ import annotations

import numpy as np

ACTION_TO_SIDE = (0, 1, -1)  # Discrete(3): 0 HOLD, 1 BUY, 2 SELL -> simulator 0/+1/-1


class EpisodeSeeds:
    """The seed of each episode: `reset(seed=s)` -> s; first reset -> the config seed."""

    def __init__(self, config_seed: int | None) -> None:
        self._config_seed = config_seed
        self._seeder = np.random.default_rng(config_seed)
        self._seeded_once = False

    def next(self, seed: int | None) -> int:
        """The seed of the episode a `reset(seed=seed)` starts."""
        if seed is None and not self._seeded_once:
            seed = self._config_seed
        if seed is not None:
            episode_seed = int(seed)
            self._seeder = np.random.default_rng([episode_seed, 1])
        else:
            episode_seed = int(self._seeder.integers(2**62))
        self._seeded_once = True
        return episode_seed
