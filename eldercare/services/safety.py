"""eldercare services: safety (filled in with the issue)."""
