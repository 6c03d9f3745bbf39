"""Hypothesis tests on the evaluation tables: H1 volatility, H2 liquidity under stress, H3 herding.

Each test takes a plain pandas table and returns a `HypothesisResult` (effect > 0 in the
hypothesis' direction, a 1 - alpha CI, a one-sided p-value, the decision p < alpha); seeds are the
independent units. `results_table` adds Benjamini-Hochberg adjusted p-values across the tests.
"""

from market.stylized import realism_checks, stylized_facts
from pipeline.hypotheses.herding import herding
from pipeline.hypotheses.liquidity import liquidity_impact
from pipeline.hypotheses.results import HypothesisResult, results_table
from pipeline.hypotheses.volatility import volatility_amplification

__all__ = [
    "HypothesisResult",
    "herding",
    "liquidity_impact",
    "realism_checks",
    "results_table",
    "stylized_facts",
    "volatility_amplification",
]
