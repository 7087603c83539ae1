"""childcare views, by area: ``children`` and ``groups``."""
