"""The one way an ID number, a bank account and a phone number are hidden from a user without full-identity access
(``cases.permissions.can_see_full_identity``). Every page, form, history, API answer, export and message uses it."""

from __future__ import annotations

MASK_CHAR = "*"


def mask_id_number(number: str | None) -> str:
    """Region code and the last 4 characters: ``500243********0012``; a short or malformed value is hidden whole
    except its last 2 characters, so no full number ever shows."""
    text = (number or "").strip()
    if not text:
        return ""
    if len(text) >= 15:
        return text[:6] + MASK_CHAR * (len(text) - 10) + text[-4:]
    return MASK_CHAR * max(len(text) - 2, 1) + (text[-2:] if len(text) > 2 else "")


def mask_account(account: str | None) -> str:
    """All but the last 4 characters hidden; an account of 8 characters or fewer keeps only its last 2."""
    text = (account or "").strip()
    if not text:
        return ""
    keep = 4 if len(text) > 8 else min(2, len(text) - 1)
    return MASK_CHAR * (len(text) - keep) + (text[-keep:] if keep else "")


def id_as_seen(number: str | None, full: bool) -> str:
    return (number or "") if full else mask_id_number(number)


def account_as_seen(account: str | None, full: bool) -> str:
    return (account or "") if full else mask_account(account)


def mask_phone(phone: str | None) -> str:
    """A phone number for a user without full-identity access: the last 4 digits only."""
    text = (phone or "").strip()
    return MASK_CHAR * len(text) if len(text) <= 4 else MASK_CHAR * (len(text) - 4) + text[-4:]
