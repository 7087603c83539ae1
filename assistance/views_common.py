"""What the assistance pages share: refusing a user before anything is read or rendered, and a POST form's errors
as a message on the page the user returns to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def refused_unless(ensure: Callable[[Any], None]) -> Callable[[View], View]:
    """A write view: 403 (with the permission's sentence) for a user who may never take this step, whatever the
    method (so an auditor's GET is refused too, before any form)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            ensure(request.user)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def form_errors_message(request: HttpRequest, form: forms.BaseForm) -> None:
    """An invalid POST form's errors, each with its field's label, as an error message."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}：{error}" if label else str(error) for error in errors)
    messages.error(request, "；".join(parts))
