"""The app's exports, each area's registered with the export centre (``core.export_centre.discover``)."""

from eldercare.exports import homes, people, safety


def register_exports() -> None:
    homes.register_exports()
    safety.register_exports()
    people.register_exports()
