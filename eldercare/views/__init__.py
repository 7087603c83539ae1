"""eldercare views, by area: ``homes``, ``safety`` and ``people``."""
