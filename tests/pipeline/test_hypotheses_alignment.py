"""Known answers of H3's statistics: pair correlations, LSV, same-side share, kappa, co-movement.

Tiny action matrices whose statistics are computed by hand, and agents in lockstep or in
independent shifts, so that the herding measures and the block-shift null cannot drift.
"""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa

from pipeline.hypotheses.alignment import (
    fleiss_kappa_actions,
    lsv_measure,
    nanmean,
    pair_correlations,
    pair_index,
    same_side_share,
)
from pipeline.hypotheses.co_movement import (
    block_bounds,
    block_cross_products,
    canonical_order,
    co_movement,
    shifted_null,
)


def m(*rows: list[int]) -> np.ndarray:
    return np.array(rows, dtype=np.int8)


def test_pair_index_is_every_pair_once_in_order() -> None:
    i, j = pair_index(4)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [
        (0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)
    ]
    assert pair_index(1)[0].size == 0


def test_pair_correlations_by_hand() -> None:
    x = m([1, -1, 1, -1], [1, -1, 1, -1], [-1, 1, -1, 1], [0, 0, 0, 0], [1, 0, 0, -1])
    corr = pair_correlations(x)
    assert corr[0] == pytest.approx(1.0)  # (0, 1) identical
    assert corr[1] == pytest.approx(-1.0)  # (0, 2) opposite
    assert np.isnan(corr[2])  # (0, 3): agent 3 is constant
    want = np.corrcoef(x[0].astype(float), x[4].astype(float))[0, 1]
    assert corr[3] == pytest.approx(want)  # (0, 4)
    assert corr.size == 10


def test_same_side_share_by_hand() -> None:
    x = m([1, 1, -1, 0], [1, -1, -1, 1], [0, 1, 1, 1])
    # pairs (0,1): both trade at t=0,1,2 -> same at 0, 2; (0,2): t=1,2 -> same at 1;
    # (1,2): t=1,2,3 -> same at 3: 4 of 8
    assert same_side_share(x) == pytest.approx(4 / 8)
    assert np.isnan(same_side_share(m([1, 0], [0, 1])))
    assert same_side_share(m([1, 0], [1, 1])) == 1.0  # one case with both trading
    assert same_side_share(m([1, 0], [-1, 1])) == 0.0


def test_lsv_by_hand() -> None:
    x = m([1, 1, -1, 0], [1, 1, 1, 0], [1, -1, 0, 1])
    # buys per step 3, 2, 1, 1; traders 3, 3, 2, 1: p = 7 / 9; step 3 (one trader) dropped
    p = 7 / 9
    from scipy import stats

    def af(n: int) -> float:
        k = np.arange(n + 1)
        return float(np.sum(stats.binom.pmf(k, n, p) * np.abs(k / n - p)))

    want = np.mean([abs(1 - p) - af(3), abs(2 / 3 - p) - af(3), abs(1 / 2 - p) - af(2)])
    assert lsv_measure(x) == pytest.approx(want)
    assert np.isnan(lsv_measure(m([1, 0, 0], [0, -1, 0])))  # never two traders at once
    assert np.isnan(lsv_measure(m([0, 0], [0, 0])))


def test_lsv_of_lockstep_buyers_and_sellers_is_large_and_of_split_books_negative() -> None:
    lockstep = m([1, -1] * 10, [1, -1] * 10, [1, -1] * 10, [1, -1] * 10)
    assert lsv_measure(lockstep) > 0.3
    split = m([1, -1] * 10, [-1, 1] * 10, [1, -1] * 10, [-1, 1] * 10)
    assert lsv_measure(split) < 0.0


def test_fleiss_kappa_is_statsmodels_on_the_action_counts() -> None:
    x = m([1, 1, -1, 0, 0], [1, 0, -1, 0, 1], [1, 1, -1, -1, 0])
    table = np.array([[0, 0, 3], [0, 1, 2], [3, 0, 0], [1, 2, 0], [0, 2, 1]])
    assert fleiss_kappa_actions(x) == pytest.approx(fleiss_kappa(table, method="fleiss"))
    assert fleiss_kappa_actions(m([1, 1], [1, 1])) != fleiss_kappa_actions(m([1, -1], [1, 1]))


def test_nanmean() -> None:
    assert nanmean([1.0, np.nan, 3.0, np.inf]) == 2.0
    assert np.isnan(nanmean([np.nan]))
    assert np.isnan(nanmean([]))


# ---- co-movement ---------------------------------------------------------------------------


def test_canonical_order_sorts_rows_by_their_series() -> None:
    x = m([1, 0], [-1, 1], [0, 0])
    assert canonical_order(x).tolist() == sorted(x.tolist(), key=lambda r: bytes(np.int8(r)))
    assert canonical_order(canonical_order(x)).tolist() == canonical_order(x).tolist()
    assert canonical_order(x[::-1]).tolist() == canonical_order(x).tolist()


def test_block_bounds_follow_length_and_persistence() -> None:
    fast = np.tile(np.array([1, -1], dtype=np.int8), (2, 1000))  # run length 1
    assert block_bounds(fast).tolist() == list(range(0, 2001, 200))  # 10 blocks of 200
    short = np.tile(np.array([1, -1], dtype=np.int8), (2, 150))  # 300 steps: 3 blocks of 100
    assert block_bounds(short).tolist() == [0, 100, 200, 300]
    tiny = np.tile(np.array([1, -1], dtype=np.int8), (2, 40))  # shorter than one block
    assert block_bounds(tiny).tolist() == [0, 80]
    sticky = np.repeat(np.array([[1, -1] * 10]), 2, axis=0).repeat(25, axis=1)  # runs of 25
    # 500 steps, 19 changes: mean run 25, blocks >= 20 x 25 = 500: one block
    assert block_bounds(sticky.astype(np.int8)).tolist() == [0, 500]
    mixed = np.stack([sticky[0], np.tile([1, -1], 250)]).astype(np.int8)  # the stickiest counts
    assert block_bounds(mixed).tolist() == [0, 500]


def test_block_cross_products_sum_to_the_pair_correlations() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(-1, 2, size=(4, 600)).astype(np.int8)
    x[3] = x[0]  # a lockstep pair
    out = block_cross_products(x)
    assert out is not None
    blocks, n_agents = out
    assert n_agents == 4 and len(blocks) == 6
    lag0 = np.sum([b[:, 0] for b in blocks], axis=0)
    assert lag0 == pytest.approx(pair_correlations(x))
    assert lag0[2] == pytest.approx(1.0)  # pair (0, 3)
    lo, hi = block_bounds(x)[:2]
    z = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    lag = 7
    want = np.sum(z[0, lo:hi] * np.roll(z[1, lo:hi], -lag)) / 600
    assert blocks[0][0, lag] == pytest.approx(want)


def test_block_cross_products_leave_constant_agents_out() -> None:
    x = np.random.default_rng(1).integers(-1, 2, size=(3, 300)).astype(np.int8)
    x[1] = 0
    out = block_cross_products(x)
    assert out is not None and out[1] == 2 and out[0][0].shape[0] == 1
    x[2] = 1
    assert block_cross_products(x) is None


def test_shifted_null_reads_the_lag_of_the_offset_difference() -> None:
    block = np.array([[10.0, 1.0, 2.0, 3.0]])  # one pair, four lags
    null = shifted_null([block], 2, 2000, np.random.default_rng(0))
    assert set(np.unique(null)) == {10.0, 1.0, 2.0, 3.0}
    assert null.mean() == pytest.approx(4.0, abs=0.4)  # lags uniform: mean of the four
    two = shifted_null([block, block], 2, 500, np.random.default_rng(0))
    assert two.min() >= 2.0 and two.max() <= 20.0 and two.shape == (500,)


def test_co_movement_of_lockstep_agents_is_significant_and_of_shifted_ones_not() -> None:
    rng = np.random.default_rng(2)
    base = np.repeat(rng.integers(-1, 2, size=200), 5).astype(np.int8)  # runs of ~5
    lockstep = np.stack([base, base, base])
    shifted = np.stack([base, np.roll(base, 300), np.roll(base, 600)])
    res = co_movement([lockstep, lockstep], 199, np.random.default_rng(0))
    assert res["p_value"] == pytest.approx(1 / 200)
    assert res["mean_pairwise_correlation"] == pytest.approx(1.0)
    assert res["effect"] == pytest.approx(1.0 - res["null_mean_correlation"])
    assert res["effect"] > 0.8
    assert res["unit_excess"] == [pytest.approx(res["effect"], abs=0.05)] * 2
    assert "within up to 10 time blocks (one-sided)" in res["method"]
    calm = co_movement([shifted], 199, np.random.default_rng(0))
    assert calm["p_value"] > 0.05
    assert abs(calm["effect"]) < 0.1


def test_co_movement_without_varying_agents_is_undefined() -> None:
    flat = np.zeros((3, 50), dtype=np.int8)
    res = co_movement([flat, flat], 199, np.random.default_rng(0))
    assert np.isnan(res["effect"]) and res["p_value"] == 1.0
    assert np.isnan(res["unit_excess"]).all() and len(res["unit_excess"]) == 2
    assert res["method"].startswith("independence test: mean pairwise correlation")
