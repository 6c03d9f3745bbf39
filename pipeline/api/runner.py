"""Continuous stepping of the live market at a chosen speed (the dashboard's run/pause).

A background thread calls ``step(n)`` every ``TICK_S`` seconds with as many steps as the speed
asks for, so each request-sized chunk of work holds the simulation lock only briefly and the
other requests (and the stream) keep being served. It stops by itself when the episode ends
or a step is refused.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pipeline.api.errors import ApiError

logger = logging.getLogger(__name__)

TICK_S = 0.05  # 20 chunks a second at most
MAX_STEPS_PER_TICK = 200


class Runner:
    """Calls ``step(n)`` at ``speed`` steps per second until paused or ``step`` refuses."""

    def __init__(self, step: Callable[[int], object], on_stop: Callable[[], None]) -> None:
        self._step = step
        self._on_stop = on_stop
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.speed: float | None = None

    @property
    def running(self) -> bool:
        """Whether the market is being stepped (false as soon as the loop has ended)."""
        return self.speed is not None

    def start(self, speed: float) -> None:
        """Step at ``speed`` steps per second (replacing a running speed)."""
        with self._guard:
            self._halt_locked()
            self.speed = float(speed)
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._loop, args=(self._stop, self.speed), name="market-runner", daemon=True
            )
            self._thread.start()

    def pause(self) -> None:
        """Stop stepping and wait for the thread to finish its current chunk.

        Never call this while holding the simulation lock: the thread may be waiting for it.
        """
        with self._guard:
            self._halt_locked()

    def _halt_locked(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread, self.speed = None, None

    def _loop(self, stop: threading.Event, speed: float) -> None:
        owed, last = 0.0, time.monotonic()
        try:
            while not stop.wait(TICK_S):
                now = time.monotonic()
                owed = min(owed + speed * (now - last), float(MAX_STEPS_PER_TICK))
                last = now
                steps = int(owed)
                if steps == 0:
                    continue
                owed -= steps
                self._step(steps)
        except ApiError as exc:  # episode over, or a step the market refused: stop running
            logger.info("market runner stopped: %s", exc.detail)
        except Exception:  # noqa: BLE001 - a bug: log it, stop running, keep the server up
            logger.exception("market runner failed")
        finally:
            if not stop.is_set():
                self.speed = None
                self._on_stop()
