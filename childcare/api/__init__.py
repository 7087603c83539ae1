"""childcare api, by area: ``children`` and ``groups``."""
