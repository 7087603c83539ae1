"""childcare models: children."""

from __future__ import annotations
