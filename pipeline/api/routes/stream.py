"""``GET /stream``: the live market pushed to the dashboard as Server-Sent Events.

While the market changes, one ``event: market`` message (a ``StreamMessage``) goes out at most
every ``INTERVAL_S`` (20 a second), carrying the quotes of every step since the last one; when
nothing changes only a comment line keeps the connection alive. Clients never need to poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from pipeline.api.deps import SimulationDep
from pipeline.api.errors import ConflictError
from pipeline.api.models import ErrorPublic, StreamMessage
from pipeline.api.simulation import SimulationService

router = APIRouter(tags=["simulation"])

INTERVAL_S = 0.05
AGENTS_EVERY_S = 0.25
KEEPALIVE_S = 10.0
WAITING = b": no simulation yet\n\n"
MAX_MESSAGES = 100_000
MESSAGE_REF = "#/components/schemas/StreamMessage"


async def _messages(
    request: Request, simulation: SimulationService, limit: int | None
) -> AsyncIterator[bytes]:
    session, ticks_sent, last_state, sent = -1, 0, b"", 0
    agents_at, agents_owed, quiet_since = 0.0, False, time.monotonic()
    while limit is None or sent < limit:
        if await request.is_disconnected():
            return
        try:
            snapshot = simulation.state_json()
        except ConflictError:
            snapshot = b""
        now = time.monotonic()
        agents_due = now - agents_at >= AGENTS_EVERY_S
        # identity, not equality: every change (even one that keeps the quotes) is a new object
        if snapshot and (snapshot is not last_state or (agents_owed and agents_due)):
            try:
                session, message = await run_in_threadpool(
                    simulation.stream_message, session, ticks_sent, agents_due
                )
            except ConflictError:  # the market went away between the two reads
                await asyncio.sleep(INTERVAL_S)
                continue
            ticks_sent = message.ticks.first + len(message.ticks.step)
            agents_at = now if agents_due else agents_at
            agents_owed = not agents_due
            last_state, quiet_since, sent = snapshot, now, sent + 1
            yield b"event: market\ndata: " + message.model_dump_json().encode() + b"\n\n"
        elif now - quiet_since >= KEEPALIVE_S:
            quiet_since = now
            yield WAITING if not snapshot else b": idle\n\n"
        await asyncio.sleep(INTERVAL_S)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "text/event-stream of `event: market` messages (StreamMessage JSON)",
            "content": {"text/event-stream": {"schema": {"$ref": MESSAGE_REF}}},
            "model": StreamMessage,
        },
        422: {"model": ErrorPublic},
    },
)
async def stream(
    request: Request,
    simulation: SimulationDep,
    limit: Annotated[int | None, Query(ge=1, le=MAX_MESSAGES, description="stop after N")] = None,
) -> StreamingResponse:
    """Server-Sent Events of the live market (>= 10 messages/s while it runs)."""
    return StreamingResponse(
        _messages(request, simulation, limit),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
