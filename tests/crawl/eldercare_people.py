"""The crawler's objects of eldercare_people (see ``tests/crawl/__init__.py``)."""

from __future__ import annotations

from types import SimpleNamespace

PK_OBJECT: dict[str, str] = {}


def build(side: SimpleNamespace, actor, reviewer) -> None:
    """Create this area's objects for the township of ``side``."""
