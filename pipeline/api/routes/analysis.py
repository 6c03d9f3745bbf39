"""Performance of the agents and quality of the live market so far."""

from __future__ import annotations

from fastapi import APIRouter

from pipeline.api.deps import SimulationDep
from pipeline.api.models import ErrorPublic, MarketAnalysisPublic, PerformancePublic

router = APIRouter(tags=["simulation"], responses={409: {"model": ErrorPublic}})


@router.get("/performance_metrics", response_model=PerformancePublic)
def performance_metrics(simulation: SimulationDep) -> PerformancePublic:
    """Per-agent P&L, Sharpe, drawdown, win rate, trade size and frequency, vol and liquidity."""
    return simulation.performance()


@router.get("/market_analysis", response_model=MarketAnalysisPublic)
def market_analysis(simulation: SimulationDep) -> MarketAnalysisPublic:
    """Realized volatility, spread and depth statistics, stylized facts of the returns so far."""
    return simulation.analysis()
