"""Policy parameters as the rules see them (policy.md §0).

A parameter has effective-dated versions; the value for a benefit month is the version in force on the 1st day
of that month. The rules read values through a ``Parameters`` object, which asks a lookup callable (the database
table on the Django side, ``defaults_lookup`` elsewhere) on first use and records which versions it used, so a
determination can be explained later and ``parameters_used`` can be reported.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from assistance.policy.defaults import DEFAULT_PARAMETERS

__all__ = ["Lookup", "MissingParameters", "ParamVersion", "Parameters", "defaults_lookup"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ParamVersion:
    """One version of a parameter. ``effective_from`` is None for a value supplied by a what-if request."""

    key: str
    value: Decimal
    effective_from: date | None
    source: str = "database"


Lookup = Callable[[str, date], ParamVersion | None]
"""``lookup(key, on)``: the version of ``key`` in force on ``on``, or None when there is none."""


def _index_defaults() -> dict[str, tuple[list[date], list[ParamVersion]]]:
    by_key: dict[str, list[ParamVersion]] = {}
    for row in DEFAULT_PARAMETERS:
        by_key.setdefault(row.key, []).append(ParamVersion(row.key, Decimal(row.value), row.effective_from, "default"))
    index = {}
    for key, versions in by_key.items():
        versions.sort(key=lambda v: v.effective_from or date.min)
        index[key] = ([v.effective_from or date.min for v in versions], versions)
    return index


_DEFAULTS_INDEX = _index_defaults()
# Read in place of a missing value only to find the other keys an evaluation needs; never part of a result.
_STAND_INS = {key: versions[0].value for key, (_, versions) in _DEFAULTS_INDEX.items()}


def defaults_lookup(key: str, on: date) -> ParamVersion | None:
    """The default version of ``key`` (defaults.py) in force on ``on``; for tests and use without a database."""
    found = _DEFAULTS_INDEX.get(key)
    if found is None:
        return None
    starts, versions = found
    position = bisect_right(starts, on)
    return versions[position - 1] if position else None


class MissingParameters(LookupError):
    """Some parameters the rules needed have no version in force on ``on`` and no override."""

    def __init__(self, keys: list[str], on: date) -> None:
        super().__init__(f"no value in force on {on.isoformat()} for: {', '.join(keys)}")
        self.keys = keys
        self.on = on


class Parameters(dict[str, Decimal]):
    """Parameter values for one benefit month: ``params["dibao.standard.rural"]`` gives a ``Decimal``.

    A dict, so that the rules read a value already used at C speed; the first read of a key goes through
    ``__missing__``, which resolves it (request override first, then the lookup on the 1st of the month) and
    records the version in ``used``. A key with no value is recorded in ``missing`` and reads as a stand-in (its
    earliest default) so that the evaluation goes on along a realistic path and reports every key it needs at
    once; ``evaluate_household`` then raises ``MissingParameters`` and no result is given.

    One object records what its evaluations used. For one determination per household use ``fresh()``, which
    shares the looked-up versions (so the lookup runs once per key and month) but starts a new record.
    """

    def __init__(
        self,
        month: date,
        lookup: Lookup,
        overrides: Mapping[str, Decimal] | None = None,
        *,
        _versions: dict[str, ParamVersion | None] | None = None,
    ) -> None:
        super().__init__()
        self.on = month.replace(day=1)
        self.lookup = lookup
        self.overrides: Mapping[str, Decimal] = overrides or {}
        self.used: dict[str, ParamVersion] = {}
        self.missing: list[str] = []
        self._versions: dict[str, ParamVersion | None] = {} if _versions is None else _versions

    def __missing__(self, key: str) -> Decimal:
        if key in self.overrides:
            version: ParamVersion | None = ParamVersion(key, self.overrides[key], None, "request")
        else:
            try:
                version = self._versions[key]
            except KeyError:
                version = self._versions[key] = self.lookup(key, self.on)
        if version is None:
            if key not in self.missing:
                self.missing.append(key)
            return _STAND_INS.get(key, _ZERO)
        self.used[key] = version
        self[key] = version.value
        return version.value

    def fresh(self) -> Parameters:
        """A new record for another evaluation of the same month, overrides and lookup."""
        return Parameters(self.on, self.lookup, self.overrides, _versions=self._versions)

    def raise_if_missing(self) -> None:
        if self.missing:
            raise MissingParameters(list(self.missing), self.on)
