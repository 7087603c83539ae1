"""eldercare selectors, by area: ``homes`` and ``people``."""
