"""childcare services: groups (filled in with the issue)."""
