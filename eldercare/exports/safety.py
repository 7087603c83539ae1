"""eldercare exports: safety (filled in with the issue)."""


def register_exports() -> None:
    """Register this area's exports with ``core.export_centre.register``."""
