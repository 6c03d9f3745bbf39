"""SIGTERM as an interrupt: a terminated run ends KILLED in MLflow, like Ctrl-C, not FAILED.

Ray's driver installs a SIGTERM handler that calls ``sys.exit`` (SystemExit, which the tracking
code would record as a failure). Inside ``sigterm_interrupts()`` SIGTERM raises RunTerminated,
a KeyboardInterrupt, so every ``tracking.start_run`` on the stack ends its run KILLED.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class RunTerminated(KeyboardInterrupt):
    """The process received SIGTERM."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise RunTerminated(f"terminated by signal {signal.Signals(signum).name}")


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises RunTerminated (main thread only; restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
