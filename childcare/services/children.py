"""childcare services: children (filled in with the issue)."""
