"""Accounts and the stand-alone `settle`: known answers, fill by fill and account by account."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from market.accounts import Accounts
from market.book import OrderBook
from market.orders import FillBatch
from market.settlement import settle


def test_open_names_types_and_endowments() -> None:
    acc = Accounts(initial_cash_ticks=1_000, initial_shares=7)
    assert (acc.initial_cash, acc.initial_shares, len(acc)) == (1_000, 7, 0)
    ids = [acc.open("noise"), acc.open("noise"), acc.open("rl", "alpha"), acc.open("maker")]
    assert ids == [0, 1, 2, 3]
    assert acc.ids == ["noise_0", "noise_1", "alpha", "maker_0"]
    assert acc.types == ["noise", "noise", "rl", "maker"]
    assert acc.kind_counts == {"noise": 2, "rl": 1, "maker": 1}
    assert acc.cash.tolist() == [1_000] * 4 and acc.shares.tolist() == [7] * 4
    assert acc.cash.dtype == np.int64 and acc.shares.dtype == np.int64
    assert [acc.owner(name) for name in ("noise_1", "alpha", "maker_0")] == [1, 2, 3]
    with pytest.raises(KeyError, match="nobody"):
        acc.owner("nobody")


def test_close_last_undoes_open_and_the_name_is_reused() -> None:
    acc = Accounts(5, 0)
    for _ in range(3):
        acc.open("noise")
    acc.cash[:] = [97, 98, 99]
    acc.shares[:] = [1, 2, 3]
    acc.close_last()
    assert (acc.ids, acc.types, acc.kind_counts, len(acc)) == (
        ["noise_0", "noise_1"], ["noise", "noise"], {"noise": 2}, 2
    )
    assert acc.cash.tolist() == [97, 98] and acc.shares.tolist() == [1, 2]
    assert acc.open("noise") == 2 and acc.ids[-1] == "noise_2"


def test_frame_converts_ticks_to_currency_and_copies() -> None:
    acc = Accounts(250, 3)
    acc.open("noise")
    acc.open("rl", "r")
    frame = acc.frame(tick_size=0.01)
    want = pd.DataFrame({"agent_id": ["noise_0", "r"], "type": ["noise", "rl"],
                         "cash": [2.5, 2.5], "shares": [3, 3]})
    pd.testing.assert_frame_equal(frame, want, check_dtype=False)
    frame.loc[0, "shares"] = 100
    assert acc.shares.tolist() == [3, 3]  # the frame is a copy


def test_settle_moves_price_times_qty_between_the_right_accounts() -> None:
    book = OrderBook()
    book.submit_limit(1, "sell", 101, 5, 0)
    book.submit_limit(2, "sell", 103, 5, 1)
    book.submit_limit(3, "buy", 99, 4, 3)
    kinds, ids = np.array([0, 1]), np.array([10, 11])
    fills = book.submit_batch(kinds, ids, np.array([1, -1]), np.array([103, 0]),
                              np.array([7, 3]), np.array([2, 1]))
    cash, shares = np.full(4, 10_000, np.int64), np.full(4, 50, np.int64)
    volume, flow = settle(cash, shares, fills)
    # owner 2 buys 5 @ 101 from 0 and 2 @ 103 from 1; owner 1 sells 3 @ 99 to 3
    assert (volume, flow) == (10, 7 - 3)
    assert isinstance(volume, int) and isinstance(flow, int)
    assert cash.tolist() == [10_000 + 505, 10_000 + 206 + 297, 10_000 - 505 - 206, 10_000 - 297]
    assert shares.tolist() == [45, 50 - 2 - 3, 57, 53]


def test_settle_of_no_fills_changes_nothing() -> None:
    cash, shares = np.arange(3, dtype=np.int64), np.arange(3, dtype=np.int64)
    assert settle(cash, shares, FillBatch.empty()) == (0, 0)
    assert cash.tolist() == [0, 1, 2] and shares.tolist() == [0, 1, 2]
