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


@register.filter
def with_names(reasons: object, names: dict[str, str] | None) -> list[str]:
    """Reasons as shown: a leading member id (the rules write "6247 学龄前儿童加发", the member's ``ref``) becomes the
    name of that member of the household (``names``: id as text → name)."""
    if not reasons:
        return []
    if isinstance(reasons, str):
        reasons = [reasons]
    names = names or {}
    shown = []
    for reason in reasons:  # type: ignore[attr-defined]
        text = str(reason)
        ref, space, rest = text.partition(" ")
        shown.append(f"{names[ref]} {rest}" if space and ref in names else text)
    return shown


@register.filter
def member_name(ref: object, names: dict[str, str] | None) -> str:
    """A member named by its id (a rule's ``ref``): the name, or 家庭成员 when the household no longer has it."""
    return (names or {}).get(str(ref), "家庭成员")
