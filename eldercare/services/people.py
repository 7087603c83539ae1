"""eldercare services: people (filled in with the issue)."""
