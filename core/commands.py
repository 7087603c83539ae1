"""Helpers for management commands."""

from __future__ import annotations

from typing import Any


def use_utf8(*outputs: Any) -> None:
    """Write UTF-8 whatever the locale says (reports and messages are Chinese)."""
    for output in outputs:
        reconfigure = getattr(output, "reconfigure", None)  # a text stream such as sys.stdout; not a StringIO
        if reconfigure is not None and (getattr(output, "encoding", None) or "").lower().replace("-", "") != "utf8":
            reconfigure(encoding="utf-8")
