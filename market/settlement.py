"""Settlement of fills into integer cash (ticks) and share accounts, in one compiled pass."""

from __future__ import annotations

import numpy as np
from numba import njit

from market.orders import FillBatch


def settle(cash: np.ndarray, shares: np.ndarray, fills: FillBatch) -> tuple[int, int]:
    """Move shares and cash between taker and maker of every fill; return (volume, signed flow).

    Exact integer arithmetic: trades only move cash and shares between accounts, so both totals
    are conserved. Signed flow is the taker-buy volume minus the taker-sell volume.
    """
    if not len(fills):
        return 0, 0
    volume, flow = _settle_kernel(
        cash, shares, fills.maker_owner, fills.taker_owner, fills.price, fills.qty,
        fills.taker_side,
    )  # fmt: skip
    return int(volume), int(flow)


@njit(cache=True)
def _settle_kernel(
    cash: np.ndarray, shares: np.ndarray, maker: np.ndarray, taker: np.ndarray,
    price: np.ndarray, qty: np.ndarray, side: np.ndarray,
) -> tuple[int, int]:  # fmt: skip
    volume = 0
    flow = 0
    for i in range(qty.shape[0]):
        signed = side[i] * qty[i]
        shares[taker[i]] += signed
        shares[maker[i]] -= signed
        cash[taker[i]] -= signed * price[i]
        cash[maker[i]] += signed * price[i]
        volume += qty[i]
        flow += signed
    return volume, flow
