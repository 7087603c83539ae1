"""Pages of determinations (为什么: the rules' outcome and reasons for a household and month) and enrollments
(the roll, exits with a second review)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import amounts, enrollments, permissions, selectors, services
from assistance.determinations import determine_household, latest_determination
from assistance.forms import (
    AssetOverrideForm,
    DeterminationForm,
    EnrollmentFilterForm,
    ExitRequestForm,
    ExitReviewForm,
)
from assistance.models import BenefitKind, Enrollment, EnrollmentAmount
from cases.models import Household
from core.months import month_label, this_month
from core.views import form_errors_message, next_url, post_form, posted, refused_unless, submit

DECISION_LABELS = {"grant": "符合", "gradual_exit": "渐退期", "exit": "退出", "deny": "不符合"}


def determination_view(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The latest determination of a household and why; POST runs the rules for a chosen month."""
    household = selectors.household_or_404(request.user, household_pk)
    can_run = permissions.can_run_determination(request.user, household)
    if request.method == "POST":
        permissions.ensure_run_determination(request.user, household)

        def determine(data: dict[str, Any]) -> str:
            determination = determine_household(actor=request.user, household=household, month=data["month"])
            return f"已按 {determination.month:%Y年%m月} 的家庭情况重新测算。"

        submit(request, DeterminationForm(request.POST), determine)
        return redirect(next_url(request, reverse("determination", args=[household.pk])))
    determination = latest_determination(household)
    template = "assistance/_determination.html" if request.htmx else "assistance/determination.html"
    return render(
        request,
        template,
        {
            "household": household,
            "determination": determination,
            "names": _member_names(household),
            "screening": [] if determination else selectors.latest_screening_entries(household),
            "key_labels": selectors.KEY_LABELS,
            "month": timezone.localdate().strftime("%Y-%m"),
            "can_write": can_run,
            "can_override_assets": permissions.can_override_asset_test(request.user, household),
            "asset_overrides": selectors.household_asset_overrides(household),
            "enrollments": selectors.household_enrollments(household),
            "benefit_labels": dict(BenefitKind.choices),
            "decision_labels": DECISION_LABELS,
        },
    )


@refused_unless(permissions.ensure_override_asset_test)
def asset_override_view(request: HttpRequest, household_pk: int) -> HttpResponse:
    """Record a reviewer's override of the household's failed asset test (policy.md §3), from its 认定测算 page."""
    household = selectors.household_or_404(request.user, household_pk)
    permissions.ensure_override_asset_test(request.user, household)  # refused (403) before any form
    form = AssetOverrideForm(*posted(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        override = services.record_asset_override(
            actor=request.user,
            household=household,
            from_month=data["from_month"],
            to_month=data["to_month"],
            reason=data["reason"],
        )
        return (
            f"已记录资产核查审核同意（{override.months_label}），请重新测算。",
            reverse("determination", args=[household.pk]),
        )

    return post_form(request, form, save) or render(
        request, "assistance/asset_override_form.html", {"form": form, "household": household}
    )


def _member_names(household: Household) -> dict[str, str]:
    """The household's members by id as text: the determination's outcomes and reasons name them by it."""
    return selectors.household_member_names(household)


def enrollment_list(request: HttpRequest) -> HttpResponse:
    """The roll: search, filters (a township for county-wide users), a count, pages of 50, and its export."""
    user = request.user
    choose_township = permissions.can_choose_township(user)
    filters = EnrollmentFilterForm(request.GET, townships=selectors.townships_by_code(user))
    if not filters.is_valid():
        form_errors_message(request, filters)
    roll = selectors.searched_enrollment_roll(user, **filters.filters())
    query = filters.query()
    return render(
        request,
        "assistance/enrollment_list.html",
        {
            "page": Paginator(roll, 50).get_page(request.GET.get("page")),
            "benefits": BenefitKind.choices,
            "statuses": Enrollment.Status.choices,
            "filters": query,
            "townships": selectors.townships_by_code(user) if choose_township else [],
            "choose_township": choose_township,
            "reviews": selectors.pending_exit_reviews(user),
            "can_import_roll": permissions.can_import_roll(user),
            "export_query": urlencode({name: value for name, value in query.items() if value}),
        },
    )


@dataclass(frozen=True)
class AmountRow:
    """A dated amount as the enrollment page shows it, with what it rests on (a parameter version or a 待遇调整)."""

    amount: EnrollmentAmount
    basis: str
    url: str


def _amount_row(row: EnrollmentAmount) -> AmountRow:
    if row.version is not None:
        version = row.version
        label = f"{selectors.key_label(version.key)} {version.display_value}（{version.effective_from:%Y-%m-%d}起）"
        return AmountRow(row, label, reverse("parameter-detail", args=[version.key]))
    if row.change is not None:
        label = f"待遇调整（{month_label(row.change.month)}发现）"
        return AmountRow(row, label, reverse("amount-change-detail", args=[row.change_id]))
    if row.determination_id is not None:
        return AmountRow(row, f"认定测算（{month_label(row.priced_month)}）", "")
    return AmountRow(row, "", "")


def enrollment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    enrollment = selectors.enrollment_or_404(user, pk)
    reviews = list(enrollment.exit_reviews.select_related("requested_by", "reviewed_by"))
    history = amounts.history([enrollment.pk]).get(enrollment.pk, [])
    return render(
        request,
        "assistance/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "amounts": [_amount_row(row) for row in history],
            "in_force": amounts.in_force_on(history, this_month()) if enrollment.is_open else None,
            "changes": enrollment.changes.select_related("confirmed_by", "decided_by").order_by("-month", "-pk"),
            "reviews": [(review, permissions.can_review_exit(user, review)) for review in reviews],
            "can_request_exit": permissions.can_request_exit(user, enrollment),
            "month": timezone.localdate().strftime("%Y-%m"),
        },
    )


@refused_unless(permissions.ensure_request_exit)
@require_POST
def exit_request(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = selectors.enrollment_or_404(request.user, pk)

    def request_exit(data: dict[str, Any]) -> str:
        enrollments.request_exit(
            actor=request.user, enrollment=enrollment, last_month=data["last_month"], reason=data["reason"]
        )
        return "退出申请已提出，须由另一名工作人员复核后生效。"

    submit(request, ExitRequestForm(request.POST), request_exit)
    return redirect(next_url(request, reverse("enrollment-detail", args=[enrollment.pk])))


@refused_unless(permissions.ensure_review_exit)
@require_POST
def exit_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.exit_review_or_404(request.user, pk)
    form = ExitReviewForm(request.POST)

    def decide(data: dict[str, Any]) -> str:
        enrollments.review_exit(actor=request.user, review=review, approve=form.approve, comment=data["comment"])
        return "复核意见已记录。"

    submit(request, form, decide)
    return redirect(next_url(request, reverse("enrollment-detail", args=[review.enrollment_id])))
