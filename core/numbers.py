"""Numbers as people write them."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal) -> str:
    """``496.0000`` as ``496``, ``0.3000`` as ``0.3``, ``14400.00`` as ``14400``: never the exponent form ``5E+2`` of
    ``normalize()``."""
    return format(value.normalize(), "f")
