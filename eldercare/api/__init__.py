"""eldercare api, by area: ``homes`` and ``people``."""
