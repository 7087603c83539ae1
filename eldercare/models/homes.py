"""eldercare models: homes."""

from __future__ import annotations
