"""childcare models: groups."""

from __future__ import annotations
