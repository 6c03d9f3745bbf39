"""Config validation helpers: build nested dataclasses from dicts, errors naming key and value."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def _require(ok: bool, key: str, value: Any, why: str) -> None:
    """Raise ValueError naming the dotted config key and the offending value."""
    if not ok:
        raise ValueError(f"{key}={value!r}: {why}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Check one scalar/dict value against its type hint (ints accepted where floats are)."""
    if hint is int:
        _require(_is_int(value), key, value, "must be an int")
    elif hint is float:
        _require(_is_number(value), key, value, "must be a number")
        return float(value)
    elif hint is str:
        _require(isinstance(value, str), key, value, "must be a string")
    elif typing.get_origin(hint) is dict:
        _require(isinstance(value, Mapping), key, value, "must be a dict")
        return dict(value)
    return value


def _build(cls: type[T], d: Mapping[str, Any], prefix: str) -> T:
    """Instantiate dataclass `cls` from `d`, recursing into nested dataclass fields."""
    _require(isinstance(d, Mapping), prefix, d, "must be a dict")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in d.items():
        _require(key in names, prefix, key, f"unknown key; allowed {sorted(names)}")
        hint = hints[key]
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            kwargs[key] = (
                value if isinstance(value, hint) else _build(hint, value, f"{prefix}.{key}")
            )
        else:
            kwargs[key] = _coerce(value, hint, f"{prefix}.{key}")
    return cls(**kwargs)
