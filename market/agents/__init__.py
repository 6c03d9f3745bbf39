"""Background trader strategies, one file each; `group_class(kind)` finds a kind's TraderGroup."""

from __future__ import annotations

import importlib
from typing import Any

from market.vocabulary import TRADER_GROUPS


def group_class(kind: str) -> Any:
    """The TraderGroup class of background trader `kind` (named in market.vocabulary)."""
    module, name = TRADER_GROUPS[kind].split(":")
    return getattr(importlib.import_module(module), name)
