"""eldercare views, by area: ``homes`` and ``people``."""
