from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError back on the form: per field where the form has it, else at the top.
    A duplicate ID number gets a link to the member already registered."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        for item in errors:
            message = item.message % item.params if item.params else item.message
            if item.code == "duplicate" and item.params and item.params.get("visible"):
                url = reverse("household-detail", args=[item.params["household_id"]])
                message = format_html(
                    '{} <a href="{}#member-{}">查看已登记的成员</a>', message, url, item.params["member_id"]
                )
            form.add_error(field if field in form.fields else None, message)


def refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal a person can read: 403 (not allowed) or 409 (not from this state)."""
    return render(request, "refused.html", {"message": message, "status": status}, status=status)
