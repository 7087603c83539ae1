"""The site's URLs plus one view that fails, to see the 500 page a person gets."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_patterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("internal detail /srv/secret/path.py must not be shown")


handler400 = "config.views.bad_request"
urlpatterns = [path("fail/", fail), *site_patterns]
