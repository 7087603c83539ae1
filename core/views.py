from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
            out.setdefault(field, []).append(str(message))
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


View = Callable[..., HttpResponse]


def refused_unless(ensure: Callable[[Any], None]) -> Callable[[View], View]:
    """A write view: 403 (with the permission's sentence, through ``core.middleware``) for a user who may never
    take this step, whatever the method, so an auditor's GET is refused before any form is built."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            ensure(request.user)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def form_errors_text(form: forms.BaseForm) -> str:
    """A bound form's errors as one sentence naming each field, for pages that answer a POST with a message."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}：{error}" if label else str(error) for error in errors)
    return "；".join(parts)


def form_errors_message(request: HttpRequest, form: forms.BaseForm) -> None:
    messages.error(request, form_errors_text(form))


def post_form(
    request: HttpRequest, form: forms.BaseForm, write: Callable[[dict[str, Any]], tuple[str, str]]
) -> HttpResponse | None:
    """A form page's POST: ``write(cleaned_data)`` calls the service and returns (success message, where to go
    next); the answer is that redirect. None (render the page again) when nothing was posted, the form is invalid,
    or the service's ``ValidationError`` went back onto the form's fields."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        done, url = write(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return None
    messages.success(request, done)
    return redirect(url)


def submit(request: HttpRequest, form: forms.BaseForm, write: Callable[[dict[str, Any]], str]) -> bool:
    """A POSTed form whose outcome is a message on the page the user returns to: the form's errors, the service's
    ``ValidationError``, or the success message ``write(cleaned_data)`` returns. True when it was written."""
    if not form.is_valid():
        form_errors_message(request, form)
        return False
    try:
        done = write(form.cleaned_data)
    except ValidationError as error:
        invalid_message(request, error)
        return False
    messages.success(request, done)
    return True
