"""eldercare models: people."""

from __future__ import annotations
