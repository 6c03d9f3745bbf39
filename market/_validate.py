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


@dataclasses.dataclass(frozen=True)
class Bounds:
    """A declared range check of one config field (dataclass field metadata "bounds").

    `at_least` names another field of the same dataclass that is a lower bound.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    at_least: str | None = None

    def why(self) -> str:
        """The rule in words, as error messages say it."""
        if self.at_least is not None:
            if self.high is None:
                return f"must be >= {self.at_least}"
            return f"must be in [{self.at_least}, {self.high:g}]"
        if self.high is None:
            return f"must be {'>' if self.low_open else '>='} {self.low:g}"
        if self.low is None:
            return f"must be {'<' if self.high_open else '<='} {self.high:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"must be in {left}{self.low:g}, {self.high:g}{right}"

    def holds(self, value: float, obj: Any) -> bool:
        """True if `value` satisfies the rule (`obj` holds the field named by at_least)."""
        low = getattr(obj, self.at_least) if self.at_least is not None else self.low
        if low is not None and (value <= low if self.low_open else value < low):
            return False
        high = self.high
        return high is None or (value < high if self.high_open else value <= high)


def bounded(default: Any, low: float | None = None, high: float | None = None, **kw: Any) -> Any:
    """A dataclass field with default `default` and a declared `Bounds` check."""
    return dataclasses.field(default=default, metadata={"bounds": Bounds(low, high, **kw)})


def check_fields(obj: Any, prefix: str) -> None:
    """Apply every declared `Bounds` of dataclass `obj` (and of nested dataclasses)."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        bounds = f.metadata.get("bounds")
        if bounds is not None:
            _require(bounds.holds(value, obj), f"{prefix}.{f.name}", value, bounds.why())
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            check_fields(value, f"{prefix}.{f.name}")
