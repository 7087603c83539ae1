"""eldercare selectors, by area: ``homes``, ``safety`` and ``people``."""
