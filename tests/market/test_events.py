"""Stress events change what they should, against the same-seed baseline (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from market.config import EventSpec
from market.events import EventSchedule, draw_events
from market.simulator import MarketSimulator

SEED = 21
START = 200


def record(
    events: list[dict], steps: int = 400, seed: int = SEED
) -> tuple[pd.DataFrame, MarketSimulator]:
    sim = MarketSimulator({"episode_length": steps}, events=events, seed=seed)
    for _ in range(steps):
        sim.step()
    return sim.market_record(), sim


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return record([])[0]


def window(df: pd.DataFrame, start: int, duration: int) -> pd.DataFrame:
    return df[(df["step"] >= start) & (df["step"] < start + duration)]


def test_stress_flag_marks_exactly_the_window(baseline: pd.DataFrame) -> None:
    mr, _ = record([{"type": "flash_crash", "step": START, "duration": 5}])
    assert mr.loc[mr["stress"], "step"].tolist() == list(range(START, START + 5))
    assert not baseline["stress"].any()


def test_flash_crash_drops_the_mid(baseline: pd.DataFrame) -> None:
    mr, _ = record([{"type": "flash_crash", "step": START, "duration": 5}])
    pd.testing.assert_frame_equal(mr.iloc[:START], baseline.iloc[:START])
    end = START + 2
    drop_bps = (1 - mr["mid"].iloc[end] / baseline["mid"].iloc[end]) * 1e4
    assert drop_bps > 30
    assert mr["volume"].iloc[START] >= 300 > baseline["volume"].iloc[START]


def test_liquidity_shock_removes_maker_quotes_and_widens_spread(baseline: pd.DataFrame) -> None:
    mr, sim = record([{"type": "liquidity_shock", "step": START, "duration": 100}], steps=250)
    makers = sim.groups["market_maker"].owners
    assert all(sim.book.live_orders(int(m)) == [] for m in makers)
    shock, calm = window(mr, START, 50), window(baseline, START, 50)
    assert shock["spread"].mean() > 1.5 * calm["spread"].mean()
    assert shock["depth"].mean() < calm["depth"].mean()


def test_news_shock_moves_fundamental_and_price(baseline: pd.DataFrame) -> None:
    mr, _ = record([{"type": "news_shock", "step": START, "params": {"jump": -0.01}}])
    jump = np.log(mr["fundamental"].iloc[START] / baseline["fundamental"].iloc[START])
    assert jump == pytest.approx(-0.01, abs=1e-9)
    later = START + 30
    assert mr["mid"].iloc[later] < baseline["mid"].iloc[later] * (1 - 0.005)


def test_volatility_regime_scales_noise_sizes(baseline: pd.DataFrame) -> None:
    mr, _ = record(
        [{"type": "volatility_regime", "step": START, "duration": 150, "params": {"scale": 4.0}}]
    )
    regime, calm = window(mr, START, 150), window(baseline, START, 150)
    assert regime["volume"].mean() > 1.5 * calm["volume"].mean()
    r_regime = np.diff(np.log(regime["mid"].to_numpy())).std()
    r_calm = np.diff(np.log(calm["mid"].to_numpy())).std()
    assert r_regime > r_calm


def test_schedule_combines_overlapping_events() -> None:
    schedule = EventSchedule(
        [
            {"type": "flash_crash", "step": 5, "duration": 3, "params": {"qty_per_step": 100}},
            {"type": "flash_crash", "step": 6, "duration": 1, "params": {"qty_per_step": 50}},
            {"type": "volatility_regime", "step": 0, "duration": 10, "params": {"scale": 2}},
            {"type": "news_shock", "step": 6, "params": {"jump": 0.02}},
        ]
    )
    eff = schedule.effects(6)
    assert (eff.sell_qty, eff.noise_scale, eff.fundamental_jump, eff.stress) == (
        150,
        2.0,
        0.02,
        True,
    )
    assert schedule.effects(7).fundamental_jump == 0.0
    assert not schedule.effects(30).stress and schedule.active(30) == []


def test_inject_event_at_run_time() -> None:
    sim = MarketSimulator(seed=1)
    for _ in range(10):
        sim.step()
    event = sim.inject_event(
        EventSpec.from_dict({"type": "liquidity_shock", "step": 0}), at_step=12
    )
    assert event.step == 12 and event.duration == 50
    for _ in range(3):
        sim.step()
    assert sim.market_record()["stress"].tolist()[-3:] == [False, False, True]
    with pytest.raises(ValueError, match="type='quake'"):
        sim.inject_event({"type": "quake", "step": 0})


def _flash_start(seed: int, jitter: int, steps: int = 60) -> int:
    spec = {"type": "flash_crash", "step": 20, "duration": 3, "step_jitter": jitter}
    mr, _ = record([spec], steps=steps, seed=seed)
    return int(mr.loc[mr["stress"], "step"].min())


def test_step_jitter_draws_each_episodes_start_from_its_seed() -> None:
    starts = [_flash_start(seed, jitter=15) for seed in range(30)]
    assert all(20 <= s <= 35 for s in starts)
    assert len(set(starts)) >= 8  # ~13 distinct of 16 expected; one date would be 1
    assert min(starts) <= 23 and max(starts) >= 32
    assert _flash_start(7, jitter=15) == starts[7]  # the same seed, the same date
    sim = MarketSimulator({"episode_length": 60}, events=[
        {"type": "flash_crash", "step": 20, "duration": 3, "step_jitter": 15}], seed=7)
    assert [(e.step, e.step_jitter) for e in sim.schedule.events] == [(starts[7], 0)]


def test_step_jitter_zero_keeps_the_date_and_the_market() -> None:
    plain, _ = record([{"type": "news_shock", "step": 30}], steps=80)
    zero, _ = record([{"type": "news_shock", "step": 30, "step_jitter": 0}], steps=80)
    pd.testing.assert_frame_equal(plain, zero)
    moved, _ = record([{"type": "news_shock", "step": 30, "step_jitter": 20}], steps=80)
    calm, _ = record([], steps=80)
    start = int(moved.loc[moved["stress"], "step"].min())
    before = moved["step"] < start  # the background draws do not depend on the jitter
    pd.testing.assert_frame_equal(moved[before], calm[before])


def test_negative_step_jitter_is_refused() -> None:
    with pytest.raises(ValueError, match="step_jitter"):
        EventSpec.from_dict({"type": "flash_crash", "step": 5, "step_jitter": -1})


def test_step_jitter_is_uniform_on_the_closed_range() -> None:
    spec = EventSpec.from_dict({"type": "news_shock", "step": 10, "step_jitter": 3})
    starts = [draw_events([spec], np.random.SeedSequence(s))[0].step for s in range(4000)]
    counts = np.bincount(starts, minlength=14)[10:]
    assert counts.sum() == 4000 and len(counts) == 4  # nothing outside [10, 13]
    assert counts.min() > 850  # each of the 4 dates ~1,000 times (sd ~27)


def test_random_sign_flips_a_news_shock_in_about_half_the_episodes() -> None:
    spec = EventSpec.from_dict({"type": "news_shock", "step": 10, "params": {"jump": -0.03},
                                "random_sign": True})  # fmt: skip
    jumps = [draw_events([spec], np.random.SeedSequence(s))[0].params["jump"] for s in range(2000)]
    assert set(jumps) == {-0.03, 0.03}
    assert 900 < jumps.count(0.03) < 1100  # binomial(2000, 1/2): sd ~22
    drawn = draw_events([spec], np.random.SeedSequence(5))[0]
    assert (drawn.step, drawn.random_sign) == (10, False)
    mr, sim = record([{"type": "news_shock", "step": 30, "params": {"jump": 0.05},
                       "random_sign": True}], steps=40, seed=5)  # fmt: skip
    jump = sim.schedule.events[0].params["jump"]  # the episode's draw: seed 5 flips it
    assert jump == -0.05
    assert np.sign(mr["fundamental"].iloc[31] - mr["fundamental"].iloc[29]) == np.sign(jump)


def test_random_sign_is_refused_for_events_without_a_sign() -> None:
    with pytest.raises(ValueError, match="only a news_shock has a sign"):
        EventSpec.from_dict({"type": "flash_crash", "step": 5, "random_sign": True})
