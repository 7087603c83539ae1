"""eldercare forms, by area."""
