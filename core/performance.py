"""Helpers for the set-based monthly jobs."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """The monthly jobs make and drop millions of small objects (facts, outcomes) that form no reference cycles:
    reference counting frees them, and the cyclic garbage collector would only scan them over and over (a quarter
    of the screening's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
