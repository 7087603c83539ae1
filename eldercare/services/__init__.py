"""eldercare services, by area: ``homes``, ``safety`` and ``people``."""
