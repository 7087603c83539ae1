"""The site's URLs plus views that fail or refuse, to see the pages a person gets."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_patterns
from core.exceptions import TransitionNotAllowed


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("internal detail /srv/secret/path.py must not be shown")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("只有县民政局工作人员可以办理。")


def conflict(request: HttpRequest) -> HttpResponse:
    raise TransitionNotAllowed("工资册当前为“已发放”，不能提交。")


handler400 = "config.views.bad_request"
urlpatterns = [path("fail/", fail), path("refuse/", refuse), path("conflict/", conflict), *site_patterns]
