#!/usr/bin/env python
"""Django's command-line utility. Before a command that needs them, the database and Redis must answer and the
schema must be migrated: otherwise one Chinese line says what to do (config.startup)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from config.startup import preflight

    preflight(sys.argv[1] if len(sys.argv) > 1 else "help")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
