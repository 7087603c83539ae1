"""eldercare selectors: safety (filled in with the issue)."""

from __future__ import annotations

from datetime import date

from core.alerts import Finding


def alert_findings(township_id: int, day: date) -> list[Finding]:
    """What of this area should be alerted in the township on ``day`` (the monthly job syncs it)."""
    return []
