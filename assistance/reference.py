"""The default policy parameters as rows with their effective periods (each version ends the day before the next
one of the same key starts). Used by the data migration and by tests that rebuild reference data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from assistance.policy.defaults import DEFAULT_PARAMETERS


def load_default_parameters(parameter_model: Any, keys: Iterable[str] | None = None) -> None:
    """Insert the default versions (of ``keys`` only, when given) that are not in the table yet."""
    wanted = None if keys is None else set(keys)
    versions = sorted(DEFAULT_PARAMETERS, key=lambda v: (v.key, v.effective_from))
    rows = []
    for version, following in zip(versions, [*versions[1:], None], strict=True):
        if wanted is not None and version.key not in wanted:
            continue
        same_key = following is not None and following.key == version.key
        rows.append(
            parameter_model(
                key=version.key,
                value=Decimal(version.value),
                effective_from=version.effective_from,
                effective_to=following.effective_from - timedelta(days=1) if same_key else None,
                source=version.source,
                confirmed=version.confirmed,
                note=version.note,
            )
        )
    parameter_model.objects.bulk_create(rows, ignore_conflicts=True)
