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


_depth = 0  # nesting: ray.init replaces the handler, so inner blocks re-install it


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises RunTerminated (main thread only).

    Blocks nest: the run wraps everything, the Tune engine wraps ``fit()`` again after
    ``ray.init`` has put Ray's own handler in place; leaving an inner block keeps ours, leaving
    the outermost restores what was there before.
    """
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        signal.signal(signal.SIGTERM, _raise_terminated if _depth else previous)


@contextmanager
def sigint_recorded() -> Iterator[list[signal.Signals]]:
    """Within the block, Ctrl-C still raises KeyboardInterrupt and is also recorded in the list.

    Code inside Ray/Tune can catch a KeyboardInterrupt and carry on; the caller checks the list
    when the block's work returns and raises then (main thread only; elsewhere nothing changes).
    """
    received: list[signal.Signals] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def _record(signum: int, frame: FrameType | None) -> None:
        received.append(signal.Signals(signum))
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, _record)
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
