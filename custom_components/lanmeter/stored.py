"""Stored state read back strictly (pure Python, no Home Assistant import).

`.storage` files are JSON that a person, a backup tool or an older version may have changed. A
record of the wrong shape (a missing or extra key, a string where a number belongs) must not stop
an entry from loading: each record is checked on its own, and a bad one is skipped and named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import dataclasses
import logging
import math
import types
from typing import Any, Union, get_args, get_origin, get_type_hints

_LOGGER = logging.getLogger(__name__)


class StoredRecordError(ValueError):
    """A stored record does not have the shape its class needs."""


def _matches(value: Any, annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_matches(value, arm) for arm in get_args(annotation))
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if annotation is str:
        return isinstance(value, str)
    return False  # anything else is not a plain stored field: the class reads it itself


def record[T](cls: type[T], data: Any, *, skip: Iterable[str] = ()) -> T:
    """An instance of the dataclass `cls` from a stored dict whose keys are exactly its fields
    (except `skip`, which the caller converts) and whose values have the fields' plain types."""
    if not isinstance(data, dict):
        raise StoredRecordError(f"{cls.__name__}: not an object")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if set(data) != names:
        raise StoredRecordError(f"{cls.__name__}: keys {sorted(data)} are not {sorted(names)}")
    for name in names - set(skip):
        if not _matches(data[name], hints[name]):
            raise StoredRecordError(f"{cls.__name__}.{name}: {str(data[name])[:40]!r}")
    return cls(**data)


def load_each[T](what: str, items: Any, parse: Callable[[str, Any], T]) -> dict[str, T]:
    """Parse each stored record of a dict; skip (and log) the ones that do not parse."""
    if items is None:
        return {}
    if not isinstance(items, dict):
        _LOGGER.warning("Stored %s are not an object; starting without them", what)
        return {}
    loaded: dict[str, T] = {}
    for key, value in items.items():
        try:
            loaded[key] = parse(key, value)
        except (StoredRecordError, ValueError, TypeError, KeyError, AttributeError) as err:
            _LOGGER.warning("Skipped a stored %s record %r that does not load: %s", what, key, err)
    return loaded


def load_one[T](what: str, data: Any, parse: Callable[[Any], T], default: Callable[[], T]) -> T:
    """One stored record, or the default (logged) when it does not parse."""
    if data is None:
        return default()
    try:
        return parse(data)
    except (StoredRecordError, ValueError, TypeError, KeyError, AttributeError) as err:
        _LOGGER.warning("Skipped the stored %s that does not load: %s", what, err)
        return default()
