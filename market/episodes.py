"""What the RLlib env and the PettingZoo env share, so both run the very same episodes.

Episode seeding (an explicit seed, else the config seed on the first reset, else a draw from the
env's own seeder) and the parsing of an action dict into simulator sides. No Ray here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def action_sides(actions: Mapping[str, Any], live: Iterable[str]) -> dict[str, int]:
    """Simulator sides (+1 buy, -1 sell, 0 hold) of a Discrete(3) action dict.

    Raises KeyError for an agent that is not live and ValueError for an action outside 0/1/2.
    """
    agents = list(live)
    sides: dict[str, int] = {}
    for name, action in actions.items():
        if name not in agents:
            raise KeyError(f"unknown agent {name!r}; agents: {agents}")
        a = int(action)
        if not 0 <= a <= 2 or a != action:
            raise ValueError(f"action[{name!r}]={action!r}: must be 0 HOLD, 1 BUY or 2 SELL")
        sides[name] = ACTION_TO_SIDE[a]
    return sides
