"""Dotted keys of nested config dicts: MLflow params (`flatten`), sweep overrides (`set_dotted`)."""

from __future__ import annotations

from typing import Any

from pipeline.config import ConfigError


def flatten(tree: dict[str, Any] | list[Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys for a nested dict, lists indexed (agents.rl.0.name): MLflow params."""
    flat: dict[str, Any] = {}
    items: Any = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for key, value in items:
        dotted = f"{prefix}{key}"
        if isinstance(value, dict | list) and value:
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    """Set ``tree[a][b][c] = value`` for key "a.b.c" (a sweep trial's override)."""
    *parents, last = key.split(".")
    node = tree
    for part in parents:
        if part not in node or not isinstance(node[part], dict):
            raise ConfigError(f"sweep key {key!r}: {part!r} is not a config section")
        node = node[part]
    if last not in node:
        raise ConfigError(f"sweep key {key!r}: unknown field {last!r}")
    node[last] = value
