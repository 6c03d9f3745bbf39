"""Agents, stress events and analysis of the live market: happy paths and bad input."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from scipy import stats
from statsmodels.tsa.stattools import acf

from market.env import MultiAgentMarketEnv
from pipeline.api.app import create_app
from pipeline.api.settings import Settings
from tests.api.conftest import FakeStore, start


@pytest.fixture(scope="module")
def sim(fake_store: FakeStore) -> Iterator[TestClient]:
    """A client on its own app, so this module's simulation is not shared."""
    with TestClient(create_app(Settings(tracking_uri=fake_store.tracking_uri))) as client:
        yield client


def agent_ids(client: TestClient, active_only: bool = True) -> set[str]:
    agents = client.get("/agents").json()["agents"]
    return {a["id"] for a in agents if a["active"] or not active_only}


def test_agents_lists_rl_and_background_groups(sim: TestClient) -> None:
    start(sim)
    sim.post("/step_simulation", json={"steps": 30})
    body = sim.get("/agents").json()
    assert body["step"] == 30
    rl = [a for a in body["agents"] if a["kind"] == "rl"]
    assert [a["id"] for a in rl] == ["momentum", "mean_reversion", "adaptive"]
    for agent in body["agents"]:
        assert set(agent) == {"id", "type", "kind", "active", "position", "cash", "pnl"}
    groups = {g["type"]: g for g in body["groups"]}
    assert groups["noise"]["count"] == 30 and groups["market_maker"]["count"] == 3
    total_shares = sum(a["position"] for a in body["agents"])
    assert total_shares == 0  # shares are conserved: every trader starts flat
    assert sum(a["pnl"] for a in body["agents"]) == pytest.approx(0.0, abs=1e-6)


def test_add_background_trader_and_remove_it(sim: TestClient) -> None:
    start(sim)
    created = sim.post("/add_agent", json={"type": "noise", "params": {"p_act": 0.5}}).json()
    assert created["type"] == "noise" and created["id"] in agent_ids(sim)
    assert sim.post("/step_simulation", json={"steps": 5}).status_code == 200
    removed = sim.delete(f"/agents/{created['id']}")
    assert removed.status_code == 200 and removed.json() == {"id": created["id"], "removed": True}
    assert created["id"] not in agent_ids(sim)
    assert created["id"] in agent_ids(sim, active_only=False)  # the account stays
    noise = next(g for g in sim.get("/agents").json()["groups"] if g["type"] == "noise")
    assert (noise["count"], noise["active"]) == (31, 30)
    again = sim.delete(f"/agents/{created['id']}")
    assert again.status_code == 404 and created["id"] in again.json()["detail"]


def test_add_rl_agent_stand_in_trades_and_can_be_removed(sim: TestClient) -> None:
    start(sim)
    body = {"type": "rl", "params": {"name": "extra", "style": "adaptive", "order_size": 5}}
    created = sim.post("/add_agent", json=body).json()
    assert created == {"id": "extra", "type": "rl", "policy": "rule_based"}
    assert sim.post("/add_agent", json=body).status_code == 409
    sim.post("/step_simulation", json={"steps": 20})
    assert "extra" in {a["agent"] for a in sim.get("/performance_metrics").json()["agents"]}
    reset = sim.post("/reset_simulation", json={}).json()
    assert "extra" in [a["name"] for a in reset["rl_agents"]]  # added RL agents survive a reset
    assert sim.delete("/agents/extra").status_code == 200
    assert "extra" not in [a["name"] for a in sim.post("/reset_simulation").json()["rl_agents"]]


def test_add_rl_agent_names_are_made_unique(sim: TestClient) -> None:
    start(sim)
    first = sim.post("/add_agent", json={"type": "rl", "params": {"style": "momentum"}}).json()
    assert first["id"] == "momentum_rl2"
    second = sim.post("/add_agent", json={"type": "rl", "policy": "momentum"}).json()
    assert second["id"] == "momentum_rl3"


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({"type": "dragon"}, 422, "type"),
        ({}, 422, "type"),
        ({"type": "noise", "params": {"bogus": 1}}, 400, "bogus"),
        ({"type": "noise", "params": {"p_act": "high"}}, 400, "p_act"),
        ({"type": "noise", "params": {"p_act": [1]}}, 422, "params"),
        ({"type": "noise", "run_id": "a" * 32}, 400, "rl"),
        ({"type": "rl", "params": {"style": "astrology"}}, 400, "style"),
        ({"type": "rl", "params": {"order_size": -1}}, 400, "order_size"),
        ({"type": "rl", "params": {"name": "noise_0"}}, 409, "noise_0"),
        ({"type": "rl", "run_id": "0" * 32}, 404, "not found"),
        ({"type": "rl", "run_id": "../x"}, 422, "run_id"),
    ],
)
def test_add_agent_bad_input(sim: TestClient, body: dict, status: int, word: str) -> None:
    start(sim)
    response = sim.post("/add_agent", json=body)
    assert response.status_code == status, response.text
    assert word in str(response.json()["detail"])


@pytest.mark.parametrize("agent_id", ["nobody", "stress_seller", "x" * 200])
def test_remove_unknown_agent_is_404(sim: TestClient, agent_id: str) -> None:
    start(sim)
    response = sim.delete(f"/agents/{agent_id}")
    assert response.status_code == 404 and response.json()["detail"]


def test_remove_rl_agent(sim: TestClient) -> None:
    start(sim)
    assert sim.delete("/agents/momentum").status_code == 200
    assert sim.post("/step_simulation", json={"steps": 3}).status_code == 200
    rl = {a["id"]: a["active"] for a in sim.get("/agents").json()["agents"] if a["kind"] == "rl"}
    assert rl == {"momentum": False, "mean_reversion": True, "adaptive": True}


def test_inject_event_now_and_later(sim: TestClient) -> None:
    start(sim)
    sim.post("/step_simulation", json={"steps": 10})
    now = sim.post(
        "/inject_event", json={"type": "flash_crash", "params": {"qty_per_step": 400}}
    ).json()
    assert now["at_step"] == 10 and now["params"] == {"qty_per_step": 400.0}
    assert [e["type"] for e in now["active_events"]] == ["flash_crash"]
    later = sim.post(
        "/inject_event", json={"type": "liquidity_shock", "at_step": 50, "params": {"duration": 7}}
    ).json()
    assert later["at_step"] == 50 and later["duration"] == 7
    state = sim.post("/step_simulation", json={"steps": 40}).json()
    assert [e["type"] for e in state["active_events"]] == ["liquidity_shock"]
    assert state["active_events"][0]["end_step"] == 57


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({"type": "earthquake"}, 422, "type"),
        ({"type": "flash_crash", "at_step": -1}, 422, "at_step"),
        ({"type": "flash_crash", "at_step": 3}, 400, "past"),
        ({"type": "flash_crash", "params": {"size": 3}}, 400, "size"),
        ({"type": "flash_crash", "params": {"qty_per_step": 0}}, 400, "qty_per_step"),
        ({"type": "news_shock", "params": {"jump": 5}}, 400, "jump"),
        ({"type": "volatility_regime", "params": {"duration": -2}}, 400, "duration"),
        ({"type": "volatility_regime", "params": {"scale": "big"}}, 400, "scale"),
    ],
)
def test_inject_event_bad_input(sim: TestClient, body: dict, status: int, word: str) -> None:
    start(sim)
    sim.post("/step_simulation", json={"steps": 5})
    response = sim.post("/inject_event", json=body)
    assert response.status_code == status, response.text
    assert word in str(response.json()["detail"])


def test_performance_metrics_per_rl_agent(sim: TestClient) -> None:
    start(sim)
    assert sim.get("/performance_metrics").json() == {"step": 0, "agents": []}
    sim.post("/step_simulation", json={"steps": 100})
    body = sim.get("/performance_metrics").json()
    assert body["step"] == 100
    assert [a["agent"] for a in body["agents"]] == ["momentum", "mean_reversion", "adaptive"]
    expected = {
        "agent", "pnl", "sharpe", "max_drawdown", "win_rate", "avg_trade_size",
        "trade_frequency", "volatility_contribution", "liquidity_provision",
    }  # fmt: skip
    assert all(set(a) == expected for a in body["agents"])


def test_market_analysis_needs_returns_then_reports_facts(sim: TestClient) -> None:
    start(sim)
    sim.post("/step_simulation", json={"steps": 10})
    early = sim.get("/market_analysis").json()
    assert early["stylized_facts"] is None and "stylized facts" in early["note"]
    sim.post("/step_simulation", json={"steps": 290})
    body = sim.get("/market_analysis").json()
    assert body["step"] == 300 and body["n_returns"] == 299
    assert body["metrics"]["realized_volatility"] > 0
    # The statistics are those of the market's own record, recomputed here with pandas/scipy.
    record = sim.app.state.simulation._env.market_record()  # type: ignore[attr-defined]
    spread, depth = record["spread"].dropna(), record["depth"].dropna()
    assert body["spread"]["mean"] == pytest.approx(spread.mean())
    assert body["spread"]["median"] == pytest.approx(spread.median())
    assert (body["depth"]["min"], body["depth"]["max"]) == pytest.approx((depth.min(), depth.max()))
    returns = np.diff(np.log(record["mid"].to_numpy(dtype=float)))
    facts = body["stylized_facts"]
    assert set(facts["acf_abs_returns"]) == {"1", "5", "10", "20"}
    assert facts["excess_kurtosis"] == pytest.approx(stats.kurtosis(returns, fisher=True))
    assert facts["acf_returns_lag1"] == pytest.approx(acf(returns, nlags=1, fft=True)[1])


def test_a_trader_the_book_refuses_never_wedges_the_market(sim: TestClient) -> None:
    start(sim)
    before = agent_ids(sim, active_only=False)
    added = sim.post("/add_agent", json={"type": "noise", "params": {"mean_size": -5}})
    assert added.status_code == 400, added.text  # refused up front, naming the parameter
    assert "mean_size" in added.json()["detail"]
    assert agent_ids(sim, active_only=False) == before  # no half-added account left behind
    stepped = sim.post("/step_simulation", json={"steps": 50})
    assert stepped.status_code == 200, stepped.text
    assert stepped.json()["steps_done"] == 50 and stepped.json()["step"] == 50


class FailingEnv(MultiAgentMarketEnv):
    """The real env, except that one chosen step raises as a market refusing an order would."""

    fail_at: int | None = None

    def step(self, action_dict):  # type: ignore[no-untyped-def]
        if self.fail_at is not None and self.simulator.step_count == self.fail_at:
            raise ValueError(f"order refused at step {self.fail_at}")
        return super().step(action_dict)


def test_a_step_the_market_refuses_is_a_409_and_the_market_goes_on(
    fake_store: FakeStore,
) -> None:
    envs: list[FailingEnv] = []

    def factory(config: dict) -> FailingEnv:
        envs.append(FailingEnv(config))
        return envs[-1]

    app = create_app(Settings(tracking_uri=fake_store.tracking_uri), env_factory=factory)
    with TestClient(app) as client:
        start(client)
        envs[-1].fail_at = 7
        refused = client.post("/step_simulation", json={"steps": 20})
        assert refused.status_code == 409, refused.text
        detail = refused.json()["detail"]
        assert "past step 7" in detail and "order refused" in detail and "reset" in detail
        state = client.get("/market_state").json()
        assert state["step"] == 7 and state["done"] is False  # the 7 good steps are kept
        envs[-1].fail_at = None
        resumed = client.post("/step_simulation", json={"steps": 3}).json()
        assert resumed["step"] == 10 and resumed["steps_done"] == 3
