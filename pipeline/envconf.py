"""The market env's config dict and the agent -> RLModule mapping, without importing Ray.

Evaluation, the API and training all build the env from here, so they run the very same market;
pipeline.rllib adds the RLlib algorithm on top.
"""

from __future__ import annotations

from typing import Any

from pipeline.config import ConfigError, ExperimentConf, PolicyMapping, as_dict


def env_config(
    conf: ExperimentConf,
    *,
    seed: int | None = None,
    episode_length: int | None = None,
    with_events: bool = True,
) -> dict[str, Any]:
    """The plain config dict of market.env.MultiAgentMarketEnv for this experiment."""
    plain = as_dict(conf)
    agents = plain["agents"]["rl"]
    events = plain["events"]["schedule"] if with_events else []
    return {
        "seed": conf.seed if seed is None else seed,
        "episode_length": episode_length or conf.market.episode_length,
        "market": plain["market"]["params"],
        "agents": agents,
        "events": events,
    }


def check_env_config(conf: ExperimentConf) -> None:
    """Let the market validate its part (market.params, agents, events) before any work."""
    from market.config import EnvConfig

    try:
        EnvConfig.from_dict(env_config(conf))
    except ValueError as err:
        raise ConfigError(f"market config: {err}") from err


def module_mapping(conf: ExperimentConf) -> dict[str, str]:
    """Agent name -> RLModule id: one module per agent (default), per style, or one shared."""
    mapping = {
        PolicyMapping.per_agent: lambda name, style: name,
        PolicyMapping.per_style: lambda name, style: style,
        PolicyMapping.shared: lambda name, style: "shared",
    }[conf.agents.policy_mapping]
    return {agent.name: mapping(agent.name, agent.style) for agent in conf.agents.rl}


def policy_ids(conf: ExperimentConf) -> list[str]:
    """The RLModule ids the config trains, sorted."""
    return sorted(set(module_mapping(conf).values()))


def default_env_class() -> type:
    """The market env (imported lazily: market/ may be heavier than this module)."""
    from market.env import MultiAgentMarketEnv

    return MultiAgentMarketEnv
