"""Agents of the live market: list, add, remove."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from pipeline.api.deps import CheckpointsDep, SimulationDep, StoreDep
from pipeline.api.errors import BadRequestError, NotFoundError
from pipeline.api.models import (
    AgentCreate,
    AgentCreated,
    AgentRemoved,
    AgentsPublic,
    AgentType,
    ErrorPublic,
)
from pipeline.api.simulation import RLAgentPlan
from pipeline.api.sources import (
    DEFAULT_STYLES,
    CheckpointCache,
    RuleBasedPolicy,
    pick_policy,
)
from pipeline.api.store import ResultsStore

router = APIRouter(tags=["simulation"], responses={409: {"model": ErrorPublic}})


@router.get("/agents", response_model=AgentsPublic)
def list_agents(simulation: SimulationDep) -> AgentsPublic:
    """Every agent (RL and background) with type, position, cash and PnL, plus per-type sums."""
    return simulation.agents()


def _rl_plan(
    body: AgentCreate, params: dict[str, Any], store: ResultsStore, checkpoints: CheckpointCache
) -> RLAgentPlan:
    """Name, style and policy of a new RL agent (checkpoint module or rule-based stand-in)."""
    default_style = body.policy if body.policy in DEFAULT_STYLES else "momentum"
    style = params.pop("style", None) or default_style
    if style not in DEFAULT_STYLES:
        raise BadRequestError(f"params.style={style!r}: choose from {list(DEFAULT_STYLES)}")
    name = params.pop("name", None) or body.policy or style
    if not isinstance(name, str) or not name.strip():
        raise BadRequestError(f"params.name={name!r}: must be a non-empty string")
    if body.run_id is None:
        return RLAgentPlan(name, str(style), RuleBasedPolicy(str(style)), False)
    policies = checkpoints.policies(store, body.run_id, body.replicate)
    policy = policies.get(body.policy) if body.policy else pick_policy(policies, name, str(style))
    if policy is None:
        raise NotFoundError(
            f"policy {body.policy or name!r} not in the checkpoint of run {body.run_id!r}; "
            f"has: {sorted(policies)}"
        )
    return RLAgentPlan(name, str(style), policy, True)


@router.post(
    "/add_agent",
    response_model=AgentCreated,
    responses={400: {"model": ErrorPublic}, 404: {"model": ErrorPublic}},
)
def add_agent(
    body: AgentCreate, simulation: SimulationDep, store: StoreDep, checkpoints: CheckpointsDep
) -> AgentCreated:
    """Add a background trader of a type, or an RL agent (from a run's checkpoint or rule-based)."""
    params = dict(body.params or {})
    if body.replicate is not None and body.run_id is None:
        raise BadRequestError(f"replicate={body.replicate} needs a run_id")
    if body.type is not AgentType.rl:
        if body.run_id is not None or body.policy is not None:
            raise BadRequestError(
                f"run_id and policy apply to type 'rl' only, not {body.type.value!r}"
            )
        return simulation.add_background(body.type.value, params)
    simulation.state()  # 409 before start, before any checkpoint download
    exact = "name" in params
    plan = _rl_plan(body, params, store, checkpoints)
    return simulation.add_rl(plan, params, exact=exact)


@router.delete(
    "/agents/{agent_id}", response_model=AgentRemoved, responses={404: {"model": ErrorPublic}}
)
def remove_agent(
    simulation: SimulationDep, agent_id: Annotated[str, Path(min_length=1, max_length=200)]
) -> AgentRemoved:
    """Remove an agent by id; 404 if there is none."""
    return simulation.remove_agent(agent_id)
