from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html


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
    for field, messages in error_messages(error).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal a person can read: 403 (not allowed) or 409 (not from this state)."""
    return render(request, "refused.html", {"message": message, "status": status}, status=status)
