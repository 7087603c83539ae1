"""Error pages in the site's layout: Chinese, and nothing of the URL patterns, paths or tracebacks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.views import BadParameter


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: our own parameter errors say what is wrong; anything else gets the general sentence."""
    message = str(exception) if isinstance(exception, BadParameter) else ""
    return render(request, "400.html", {"message": message}, status=400)
