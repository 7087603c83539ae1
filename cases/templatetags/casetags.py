from __future__ import annotations

from django import template

from cases import idnumber

register = template.Library()


@register.filter
def id_display(value: str, full: bool) -> str:
    """An ID number as this user may see it: whole, or masked (500243********0012)."""
    if not value or full:
        return value or ""
    return idnumber.mask(value)


@register.filter
def account_display(value: str, full: bool) -> str:
    """A bank account: whole, or all but the last four digits hidden."""
    if not value or full:
        return value or ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key)


@register.filter
def age_on(member: object, on: object) -> int:
    return member.age_on(on)  # type: ignore[attr-defined]
