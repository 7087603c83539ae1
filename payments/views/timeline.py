"""The household page's 待遇明细 tab (loaded by htmx): the household's month-by-month account over a month range."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import SensitiveAccessLog, User
from cases.permissions import can_see_full_identity
from core.months import months_before, this_month
from core.views import refused_unless
from payments import permissions as perms
from payments import timeline


@require_safe
@refused_unless(perms.ensure_view_timeline)
def household_timeline(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The account for the range asked (``from``/``to``, YYYY-MM; the last 12 months by default). A wrong range is
    shown on the form, with the range the user typed kept in it."""
    user: User = request.user  # type: ignore[assignment]
    household = case_selectors.get_household(user, household_pk)
    typed = {name: request.GET.get(name, "")[:20] for name in timeline.PARAMETER_NAMES}
    account = None
    errors: list[str] = []
    try:
        first, last = timeline.parse_range(request.GET)
    except ValidationError as error:
        errors = [str(m) for ms in error.message_dict.values() for m in ms]
        current = this_month()
        first, last = months_before(current, 11), current
    else:
        account = timeline.household_timeline(household, first, last)
        typed = {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}
        case_services.log_sensitive_access(
            actor=user,
            members=[a.member for a in account.accounts if a.member is not None],
            action=SensitiveAccessLog.Action.VIEW,
            what=f"家庭 {household.number} 待遇明细",
        )
    return render(
        request,
        "payments/timeline.html",
        {
            "household": household,
            "account": account,
            "errors": errors,
            "typed": {name: "".join(ch for ch in text if ch.isprintable()) for name, text in typed.items()},
            "max_months": timeline.MAX_MONTHS,
            "full_identity": can_see_full_identity(user),
        },
    )
