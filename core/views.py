from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from core.months import this_month


def posted(request: HttpRequest) -> tuple[Any, Any]:
    """Form data and files on POST, None on GET: a POST with no fields must still bind the form."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def error_messages(error: ValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as messages per field (``__all__`` for the rest). A duplicate ID number
    gets a link to the member already registered, when the user may see that member."""
    if not hasattr(error, "error_dict"):
        return {NON_FIELD_ERRORS: list(error.messages)}
    out: dict[str, list[str]] = {}
    for field, errors in error.error_dict.items():
        for item in errors:
            message = item.message % item.params if item.params else item.message
            if item.code == "duplicate" and item.params and item.params.get("visible"):
                url = reverse("household-detail", args=[item.params["household_id"]])
                message = format_html(
                    '{} <a href="{}#member-{}">查看已登记的成员</a>', message, url, item.params["member_id"]
                )
            out.setdefault(field, []).append(message)
    return out


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError back on the form: per field where the form has it, else at the top."""
    for field, field_messages in error_messages(error).items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal a person can read: 403 (not allowed) or 409 (not from this state)."""
    return render(request, "refused.html", {"message": message, "status": status}, status=status)


class BadParameter(BadRequest):
    """A query parameter a person can correct: the 400 page shows this message."""


def month_param(text: str | None, *, lenient: bool = False) -> date:
    """A ``YYYY-MM`` parameter (years 1990–2100) as the 1st of that month; this month when empty. A malformed or
    far value is a 400 naming the expected form, or this month when ``lenient`` (form inputs)."""
    current = this_month()
    if not text:
        return current
    try:
        month = date.fromisoformat(f"{text}-01")
    except ValueError:
        month = None
    if month is not None and 1990 <= month.year <= 2100:
        return month
    if lenient:
        return current
    raise BadParameter(f"月份参数不正确：应为“年-月”（1990–2100 年），例如 {current:%Y-%m}。")


def id_param(text: str | None) -> int | None:
    """A record id from a query or form parameter: ASCII digits within the database's bigint range, else None
    (no superscript or full-width digits, no overflow)."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def next_url(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: the ``next`` the page sent when it is a path on this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and len(target) <= 2000
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    ):
        return target
    return fallback


def invalid_message(request: HttpRequest, error: ValidationError) -> None:
    """A service's ValidationError as an error message on the page the user returns to. (A refused step,
    ``PermissionDenied`` or ``TransitionNotAllowed``, is left to raise: ``core.middleware`` answers 403 / 409.)"""
    messages.error(request, "；".join(str(m) for ms in error_messages(error).values() for m in ms))


def forbidden(request: HttpRequest, ensure: Callable[..., None], *objects: Any) -> HttpResponse | None:
    """The 403 page when ``ensure(user, *objects)`` (a ``cases.permissions`` check) refuses, else None: a write
    view asks before it renders a form, on GET too."""
    try:
        ensure(request.user, *objects)
    except PermissionDenied as error:
        return refuse(request, str(error), 403)
    return None
