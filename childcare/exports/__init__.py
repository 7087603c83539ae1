"""The app's exports, each area's registered with the export centre (``core.export_centre.discover``)."""

from childcare.exports import children, groups


def register_exports() -> None:
    children.register_exports()
    groups.register_exports()
