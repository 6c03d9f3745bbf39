"""The pipeline's names: enum values that configs, MLflow tags and the API share.

Defined once here (no heavy imports), re-exported by pipeline.config and used by the API's
models, so a new value cannot reach one side and not the other.
"""

from __future__ import annotations

from enum import StrEnum


class Counterfactual(StrEnum):
    """What replaces the RL agents in the baseline market of the evaluation."""

    noise = "noise"  # noise traders of matched order size and trading rate
    removed = "removed"  # the RL agents never trade
    rule_based = "rule_based"  # the rule-based counterpart of each RL style


class HerdingReference(StrEnum):
    """Who acts in the RL agents' slots in H3's reference arm (same seeds, same information)."""

    rule_based = "rule_based"  # the style's rule-based counterpart: same public signals
    noise = "noise"  # noise traders of matched rate: no information at all


class PolicyMapping(StrEnum):
    """How RL agents map to RLModules: one per agent, one per style, or one shared."""

    per_agent = "per_agent"
    per_style = "per_style"
    shared = "shared"


class HypothesisName(StrEnum):
    """The hypothesis tests of pipeline.hypotheses."""

    volatility_amplification = "volatility_amplification"
    liquidity_impact = "liquidity_impact"
    herding = "herding"


class SpaceType(StrEnum):
    """Ray Tune search-space primitives a sweep parameter can use."""

    grid = "grid"
    choice = "choice"
    uniform = "uniform"
    loguniform = "loguniform"
    randint = "randint"


class Mode(StrEnum):
    """Whether a sweep maximises or minimises its metric."""

    max = "max"
    min = "min"


class RunKind(StrEnum):
    """Value of the ``thinking_market.kind`` tag of a run."""

    pipeline = "pipeline"
    sweep = "sweep"
    trial = "trial"
