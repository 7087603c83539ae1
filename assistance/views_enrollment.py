"""Pages of determinations (为什么: the rules' outcome and reasons for a household and month) and enrollments
(the roll, exits with a second review)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import enrollments
from assistance.determinations import determine_household, latest_determination
from assistance.models import BenefitKind, Determination, Enrollment, ExitReview
from cases import selectors as case_selectors
from cases.models import Household
from cases.services import ensure_can_write
from cases.views.common import month_param, refusal

DECISION_LABELS = {"grant": "符合", "gradual_exit": "渐退期", "exit": "退出", "deny": "不符合"}


def determination_view(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The latest determination of a household and why; POST runs the rules for a chosen month."""
    household = case_selectors.get_scoped_or_404(
        Household.objects.select_related("township", "village"), request.user, pk=household_pk
    )
    if request.method == "POST":
        month = month_param(request.POST.get("month"), lenient=True)
        try:
            ensure_can_write(request.user, household.township_id)
            determination = determine_household(actor=request.user, household=household, month=month)
        except (PermissionDenied, ValidationError) as error:
            if response := refusal(request, error):
                return response
        else:
            messages.success(request, f"已按 {determination.month:%Y年%m月} 的家庭情况重新测算。")
        return redirect("determination", household_pk=household.pk)
    determination = latest_determination(household)
    template = "assistance/_determination.html" if request.htmx else "assistance/determination.html"
    return render(
        request,
        template,
        {
            "household": household,
            "determination": determination,
            "names": _member_names(determination),
            "month": timezone.localdate().strftime("%Y-%m"),
            "can_write": not request.user.is_read_only,
            "enrollments": Enrollment.objects.filter(household=household).select_related("member"),
            "benefit_labels": dict(BenefitKind.choices),
            "decision_labels": DECISION_LABELS,
        },
    )


def _member_names(determination: Determination | None) -> dict[str, str]:
    if determination is None:
        return {}
    refs = [m["ref"] for m in determination.input_snapshot["members"]]
    return {str(pk): name for pk, name in determination.household.members.filter(pk__in=refs).values_list("pk", "name")}


def enrollment_list(request: HttpRequest) -> HttpResponse:
    roll = case_selectors.scope(
        Enrollment.objects.select_related("household", "member", "township"), request.user
    ).order_by("township__code", "benefit", "household__number", "id")
    benefit = request.GET.get("benefit", "")
    status = request.GET.get("status", "")
    if benefit:
        roll = roll.filter(benefit=benefit)
    if status:
        roll = roll.filter(status=status)
    else:
        roll = roll.filter(status__in=Enrollment.OPEN_STATUSES)
    reviews = case_selectors.scope(
        ExitReview.objects.filter(status=ExitReview.Status.PENDING).select_related(
            "enrollment__household", "enrollment__member", "requested_by"
        ),
        request.user,
        "enrollment__township",
    )
    return render(
        request,
        "assistance/enrollment_list.html",
        {
            "page": Paginator(roll, 50).get_page(request.GET.get("page")),
            "benefits": BenefitKind.choices,
            "statuses": Enrollment.Status.choices,
            "benefit": benefit,
            "status": status,
            "reviews": reviews,
        },
    )


def enrollment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = case_selectors.get_scoped_or_404(
        Enrollment.objects.select_related("household", "member", "determination"), request.user, pk=pk
    )
    return render(
        request,
        "assistance/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "reviews": enrollment.exit_reviews.select_related("requested_by", "reviewed_by"),
            "can_write": not request.user.is_read_only,
            "month": timezone.localdate().strftime("%Y-%m"),
        },
    )


@require_POST
def exit_request(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = case_selectors.get_scoped_or_404(Enrollment.objects.all(), request.user, pk=pk)
    try:
        enrollments.request_exit(
            actor=request.user,
            enrollment=enrollment,
            last_month=month_param(request.POST.get("last_month"), lenient=True),
            reason=request.POST.get("reason", ""),
        )
    except (PermissionDenied, ValidationError) as error:
        if response := refusal(request, error):
            return response
    else:
        messages.success(request, "退出申请已提出，须由另一名工作人员复核后生效。")
    return redirect("enrollment-detail", pk=enrollment.pk)


@require_POST
def exit_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = case_selectors.get_scoped_or_404(
        ExitReview.objects.select_related("enrollment"), request.user, "enrollment__township", pk=pk
    )
    try:
        enrollments.review_exit(
            actor=request.user,
            review=review,
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
        )
    except (PermissionDenied, ValidationError) as error:
        if response := refusal(request, error):
            return response
    else:
        messages.success(request, "复核意见已记录。")
    return redirect("enrollment-detail", pk=review.enrollment_id)
