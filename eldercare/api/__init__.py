"""eldercare api, by area: ``homes``, ``safety`` and ``people``."""
