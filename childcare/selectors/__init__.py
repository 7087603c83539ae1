"""childcare selectors, by area: ``children`` and ``groups``."""
