#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys

# Commands that work without a database; every other command stops at once when the database is unreachable.
OFFLINE_COMMANDS = {"help", "version", "--help", "--version", "collectstatic", "makemigrations", "check", "lint"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if len(sys.argv) > 1 and sys.argv[1] not in OFFLINE_COMMANDS:
        from config.startup import exit_unless_database_reachable

        exit_unless_database_reachable()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
