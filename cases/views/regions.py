from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cases import permissions, selectors


def home(request: HttpRequest) -> HttpResponse:
    """Township users land on their township; county users on the list of townships."""
    if request.user.township_id:
        return redirect("township-detail", pk=request.user.township_id)
    return redirect("township-list")


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def township_list(request: HttpRequest) -> HttpResponse:
    townships = selectors.township_list(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        townships = townships.filter(name__contains=query)
    return render(request, "cases/township_list.html", {"townships": townships, "q": query})


def township_detail(request: HttpRequest, pk: int) -> HttpResponse:
    township = selectors.get_township(request.user, pk)
    villages = (
        selectors.visible_villages(request.user)
        .filter(township=township)
        .annotate(household_count=Count("households"))
        .order_by("code")
    )
    page = Paginator(villages, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/township_detail.html",
        {
            "township": township,
            "page": page,
            "summary": selectors.township_summary(township, timezone.localdate()),
            "sees_whole_county": permissions.sees_whole_county(request.user),
            "can_create_household": permissions.can_create_household(request.user),
        },
    )
