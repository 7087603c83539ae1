"""Exceptions every layer raises and the exception middleware answers."""

from __future__ import annotations


class TransitionNotAllowed(Exception):
    """A workflow step that cannot be taken from the object's current state (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
