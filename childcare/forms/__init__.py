"""childcare forms, by area."""
