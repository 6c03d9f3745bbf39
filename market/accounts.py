"""Trader accounts: integer cash (ticks) and shares per owner id, with names and types.

Owner ids are positions in these arrays; fills move cash and shares between them (settlement
happens inside the compiled step), so the totals are conserved by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class Accounts:
    """Every trader's account: `cash` (ticks) and `shares` int64 arrays indexed by owner id."""

    def __init__(self, initial_cash_ticks: int, initial_shares: int) -> None:
        self.initial_cash = int(initial_cash_ticks)
        self.initial_shares = int(initial_shares)
        self.ids: list[str] = []
        self.types: list[str] = []
        self.kind_counts: dict[str, int] = {}
        self.cash = np.zeros(0, dtype=np.int64)
        self.shares = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def open(self, kind: str, name: str | None = None) -> int:
        """Open an account with the initial endowment; return its owner id (default name kind_k)."""
        k = self.kind_counts.get(kind, 0)
        self.kind_counts[kind] = k + 1
        self.ids.append(name or f"{kind}_{k}")
        self.types.append(kind)
        self.cash = np.append(self.cash, self.initial_cash)
        self.shares = np.append(self.shares, self.initial_shares)
        return len(self.ids) - 1

    def close_last(self) -> None:
        """Undo the last `open` (a trader that could not be added)."""
        self.kind_counts[self.types.pop()] -= 1
        self.ids.pop()
        self.cash, self.shares = self.cash[:-1], self.shares[:-1]

    def owner(self, trader_id: str) -> int:
        """Owner id of a trader (KeyError if unknown)."""
        try:
            return self.ids.index(trader_id)
        except ValueError:
            raise KeyError(trader_id) from None

    def frame(self, tick_size: float) -> pd.DataFrame:
        """agent_id, type, cash (currency), shares of every account."""
        return pd.DataFrame(
            {
                "agent_id": list(self.ids),
                "type": list(self.types),
                "cash": self.cash * tick_size,
                "shares": self.shares.copy(),
            }
        )
