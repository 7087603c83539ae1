"""eldercare services, by area: ``homes`` and ``people``."""
