"""childcare services, by area: ``children`` and ``groups``."""
