"""Per-step market and RL-agent records in preallocated numpy arrays (no per-step DataFrames)."""

from __future__ import annotations

import numpy as np
import pandas as pd

MARKET_COLUMNS = (
    "mid",
    "best_bid",
    "best_ask",
    "spread",
    "depth",
    "volume",
    "trades",
    "stress",
    "bid_depth",
    "ask_depth",
    "fundamental",
    "flow",
)
INT_COLUMNS = ("depth", "bid_depth", "ask_depth", "volume", "trades")
AGENT_COLUMNS = ("step", "agent", "action", "position", "cash", "pnl")


class MarketRecorder:
    """Rows of the market record (prices in currency units); grows by doubling when full."""

    def __init__(self, capacity: int) -> None:
        self.data = np.empty((len(MARKET_COLUMNS), max(capacity, 16)), dtype=np.float64)
        self.n = 0

    def reserve(self, rows: int) -> None:
        """Make room for `rows` rows in all (doubling)."""
        while rows > self.data.shape[1]:
            self.data = np.concatenate((self.data, np.empty_like(self.data)), axis=1)

    def append(self, row: tuple[float, ...]) -> None:
        """Add one step's row, in MARKET_COLUMNS order."""
        if self.n == self.data.shape[1]:
            self.data = np.concatenate((self.data, np.empty_like(self.data)), axis=1)
        self.data[:, self.n] = row
        self.n += 1

    def frame(self) -> pd.DataFrame:
        """The record as a DataFrame with a `step` column first."""
        cols: dict[str, np.ndarray] = {"step": np.arange(self.n)}
        for i, name in enumerate(MARKET_COLUMNS):
            cols[name] = self.data[i, : self.n].copy()
        df = pd.DataFrame(cols)
        for name in INT_COLUMNS:
            df[name] = df[name].astype(np.int64)
        df["stress"] = df["stress"].astype(bool)
        return df


class AgentRecorder:
    """Rows (step, agent index, action, position, cash, pnl) of the RL agents, several per step."""

    def __init__(self, capacity: int) -> None:
        self.data = np.empty((len(AGENT_COLUMNS), max(capacity, 16)), dtype=np.float64)
        self.n = 0

    def reserve(self, rows: int) -> None:
        """Make room for `rows` rows in all (doubling)."""
        while rows > self.data.shape[1]:
            self.data = np.concatenate((self.data, np.empty_like(self.data)), axis=1)

    def extend(self, block: np.ndarray) -> None:
        """Add a (6, k) block of rows."""
        k = block.shape[1]
        while self.n + k > self.data.shape[1]:
            self.data = np.concatenate((self.data, np.empty_like(self.data)), axis=1)
        self.data[:, self.n : self.n + k] = block
        self.n += k

    def frame(self, names: list[str]) -> pd.DataFrame:
        """The record as a DataFrame, agent indices replaced by names."""
        d = self.data[:, : self.n]
        agent_idx = d[1].astype(np.int64)
        return pd.DataFrame(
            {
                "step": d[0].astype(np.int64),
                "agent": np.asarray(names, dtype=object)[agent_idx] if names else agent_idx,
                "action": d[2].astype(np.int64),
                "position": d[3].astype(np.int64),
                "cash": d[4].copy(),
                "pnl": d[5].copy(),
            }
        )
