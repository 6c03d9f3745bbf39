"""Hypothesis tests on the evaluation tables: H1 volatility, H2 liquidity under stress, H3 herding.

Each test takes a plain pandas table and returns a `HypothesisResult` (effect > 0 in the
hypothesis' direction, a two-sided 1 - 2 alpha CI matching the one-sided p-value, the decision
p < alpha). Seeds are the units of a single replicate; with >= 2 replicates (trained policies) the
replicates are, with the seeds crossed (`pipeline.hypotheses.replicates`). `results_table` adds
Benjamini-Hochberg adjusted p-values across the tests. Names are imported lazily, so that
`pipeline.hypotheses.design` stays cheap to import (config validation uses it); no submodule
shares a public name (H3 lives in `herd.py`), so importing a submodule cannot shadow a function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from market.stylized import realism_checks, stylized_facts
    from pipeline.hypotheses.herd import herding
    from pipeline.hypotheses.liquidity import liquidity_impact
    from pipeline.hypotheses.results import HypothesisResult, results_table
    from pipeline.hypotheses.volatility import volatility_amplification

_HOMES = {
    "HypothesisResult": "pipeline.hypotheses.results",
    "herding": "pipeline.hypotheses.herd",
    "liquidity_impact": "pipeline.hypotheses.liquidity",
    "realism_checks": "market.stylized",
    "results_table": "pipeline.hypotheses.results",
    "stylized_facts": "market.stylized",
    "volatility_amplification": "pipeline.hypotheses.volatility",
}

__all__ = [
    "HypothesisResult",
    "herding",
    "liquidity_impact",
    "realism_checks",
    "results_table",
    "stylized_facts",
    "volatility_amplification",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
