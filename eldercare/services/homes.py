"""eldercare services: homes (filled in with the issue)."""
