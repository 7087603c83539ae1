from __future__ import annotations

from django import template

from core import masking

register = template.Library()


@register.filter
def id_display(value: str, full: bool) -> str:
    """An ID number as this user may see it: whole, or masked (500243********0012)."""
    return masking.id_as_seen(value, full)


@register.filter
def account_display(value: str, full: bool) -> str:
    """A bank account: whole, or all but the last four digits hidden."""
    return masking.account_as_seen(value, full)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key)


@register.filter
def age_on(member: object, on: object) -> int:
    return member.age_on(on)  # type: ignore[attr-defined]
