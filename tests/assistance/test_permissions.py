"""The assistance permissions: every role × own / other township × predicate, written out as a table; auditors
refused by every write view (GET included) before any form; a NUL byte in a note is a form error, not a 500."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assistance import permissions as p
from assistance import temporary
from assistance.models import ComparisonFlag, Enrollment, ExitReview, JobRun, LedgerEntry, MonthlyLedger, TemporaryCase
from cases.models import Household, Member
from core.models import PolicyParameter
from tests.helpers import make_household, make_member
from tests.permission_tables import COUNTY_WRITERS, ROLES, TOWNSHIP_WORKERS_ONLY, TOWNSHIP_WRITERS, F, T, by_role

pytestmark = pytest.mark.django_db

OCT = date(2020, 10, 1)

# Township A is the own township of caseworker and reviewer, township B that of caseworker_b. Each row: the
# answer on an object of township A, then on one of township B.
# fmt: off
#                                 caseworker reviewer caseworker_b county_staff county_admin auditor
COUNTY_ADMIN            = by_role((F, F),    (F, F),  (F, F),      (F, F),      (T, T),      (F, F))
COUNTY_READERS          = by_role((F, F),    (F, F),  (F, F),      (T, T),      (T, T),      (T, T))
NOBODY = dict.fromkeys(ROLES, (F, F))
# An exit requested in A by caseworker, in B by caseworker_b: they may not review their own request.
EXIT_REVIEWERS          = by_role((F, F),    (T, F),  (F, F),      (T, T),      (T, T),      (F, F))
# A township-level case registered in A by caseworker, in B by caseworker_b: a reviewer of its township only.
TOWNSHIP_LEVEL_DECIDERS = by_role((F, F),    (T, F),  (F, F),      (F, F),      (F, F),      (F, F))
# A failed asset test is overridden by a reviewer of the household's township or the county, never an auditor.
ASSET_OVERRIDERS        = by_role((F, F),    (T, F),  (F, F),      (T, T),      (T, T),      (F, F))
# fmt: on


def _objects(users, township, requester):
    """Unsaved records of ``township`` in the states where the step is possible, keyed by predicate."""
    household = Household(township=township)
    member = Member(household=household)
    enrollment = Enrollment(township=township, household=household, status=Enrollment.Status.ACTIVE)
    draft = MonthlyLedger(township=township, month=OCT, status=MonthlyLedger.Status.DRAFT)
    submitted = MonthlyLedger(township=township, month=OCT, status=MonthlyLedger.Status.SUBMITTED)
    accepted = MonthlyLedger(township=township, month=OCT, status=MonthlyLedger.Status.ACCEPTED)
    entry = LedgerEntry(township=township, month=OCT, household=household)

    def case(level, **extra):
        return TemporaryCase(
            township=township, level=level, status=TemporaryCase.Status.PENDING, created_by=requester, **extra
        )

    return {
        "run_determination": household,
        "override_asset_test": household,
        "change_enrollment": enrollment,
        "request_exit": enrollment,
        "review_exit": ExitReview(enrollment=enrollment, requested_by=requester, status=ExitReview.Status.PENDING),
        "register_temporary_case": member,
        "decide_temporary_case/township": case(TemporaryCase.Level.TOWNSHIP),
        "decide_temporary_case/county": case(TemporaryCase.Level.COUNTY),
        "decide_temporary_case/case_by_case": case(TemporaryCase.Level.CASE_BY_CASE),
        "followup_temporary_case": case(TemporaryCase.Level.TOWNSHIP, advance=True),
        "import_roll": township,
        "handle_ledger_entry": (entry, draft),
        "handle_ledger_entry/locked": (entry, accepted),
        "submit_ledger": draft,
        "submit_ledger/submitted": submitted,
        "review_ledger": submitted,
        "review_ledger/draft": draft,
        "resolve_comparison_flag": ComparisonFlag(township=township, month=OCT, status=ComparisonFlag.Status.OPEN),
        "resolve_comparison_flag/resolved": ComparisonFlag(
            township=township, month=OCT, status=ComparisonFlag.Status.RESOLVED
        ),
        "retry_job_run": JobRun(township=township, month=OCT, status=JobRun.Status.FAILED),
        "retry_job_run/done": JobRun(township=township, month=OCT, status=JobRun.Status.DONE),
        "confirm_parameter_version": PolicyParameter(key="x", confirmed=False),
        "confirm_parameter_version/confirmed": PolicyParameter(key="x", confirmed=True),
    }


# predicate (with /variant: the object's state) → the expected table
MATRIX = {
    "add_parameter_version": COUNTY_ADMIN,
    "confirm_parameter_version": COUNTY_ADMIN,
    "confirm_parameter_version/confirmed": NOBODY,
    "view_recompute_marks": COUNTY_READERS,
    "run_determination": TOWNSHIP_WRITERS,
    "override_asset_test": ASSET_OVERRIDERS,
    "change_enrollment": TOWNSHIP_WRITERS,
    "request_exit": TOWNSHIP_WRITERS,
    "review_exit": EXIT_REVIEWERS,
    "import_roll": TOWNSHIP_WRITERS,
    "register_temporary_case": TOWNSHIP_WRITERS,
    "decide_temporary_case/township": TOWNSHIP_LEVEL_DECIDERS,
    "decide_temporary_case/county": COUNTY_WRITERS,
    "decide_temporary_case/case_by_case": COUNTY_WRITERS,
    "followup_temporary_case": TOWNSHIP_WRITERS,
    "view_job_runs": COUNTY_READERS,
    "start_job_run": COUNTY_WRITERS,
    "retry_job_run": COUNTY_WRITERS,
    "retry_job_run/done": NOBODY,
    "handle_ledger_entry": TOWNSHIP_WORKERS_ONLY,
    "handle_ledger_entry/locked": NOBODY,
    "submit_ledger": TOWNSHIP_WORKERS_ONLY,
    "submit_ledger/submitted": NOBODY,
    "review_ledger": COUNTY_WRITERS,
    "review_ledger/draft": NOBODY,
    "resolve_comparison_flag": TOWNSHIP_WRITERS,
    "resolve_comparison_flag/resolved": NOBODY,
    "run_comparison": COUNTY_WRITERS,
}

# Without an object: may the user take the step at all (the page's button, the view's first refusal)?
AT_ALL = {
    "add_parameter_version": {"county_admin"},
    "confirm_parameter_version": {"county_admin"},
    "view_recompute_marks": {"county_staff", "county_admin", "auditor"},
    "run_determination": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "override_asset_test": {"reviewer", "county_staff", "county_admin"},
    "change_enrollment": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "request_exit": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "review_exit": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "import_roll": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "register_temporary_case": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "decide_temporary_case": {"reviewer", "county_staff", "county_admin"},
    "followup_temporary_case": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "view_job_runs": {"county_staff", "county_admin", "auditor"},
    "start_job_run": {"county_staff", "county_admin"},
    "retry_job_run": {"county_staff", "county_admin"},
    "handle_ledger_entry": {"caseworker", "reviewer", "caseworker_b"},
    "submit_ledger": {"caseworker", "reviewer", "caseworker_b"},
    "review_ledger": {"county_staff", "county_admin"},
    "resolve_comparison_flag": {"caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin"},
    "run_comparison": {"county_staff", "county_admin"},
}


def _answer(name, user, obj):
    predicate = getattr(p, f"can_{name.split('/')[0]}")
    if isinstance(obj, tuple):  # a ledger entry with its month's ledger
        return predicate(user, obj[0], ledger=obj[1])
    return predicate(user, obj)


def test_the_matrix(users, township_a, township_b):
    own = _objects(users, township_a, users["caseworker"])
    other = _objects(users, township_b, users["caseworker_b"])
    got, expected = {}, {}
    for name, table in MATRIX.items():
        for role in ROLES:
            user = users[role]
            got[(name, role)] = (_answer(name, user, own.get(name)), _answer(name, user, other.get(name)))
            expected[(name, role)] = table[role]
    wrong = {key: (got[key], expected[key]) for key in got if got[key] != expected[key]}
    assert not wrong, wrong


def test_without_an_object(users):
    wrong = {}
    for name, allowed in AT_ALL.items():
        for role in ROLES:
            if getattr(p, f"can_{name}")(users[role]) != (role in allowed):
                wrong[(name, role)] = role in allowed
    assert not wrong, wrong


@pytest.mark.parametrize(
    "name",
    [
        "run_determination",
        "override_asset_test",
        "change_enrollment",
        "request_exit",
        "review_exit",
        "register_temporary_case",
        "decide_temporary_case/township",
        "decide_temporary_case/county",
        "followup_temporary_case",
        "import_roll",
        "submit_ledger",
        "review_ledger",
        "resolve_comparison_flag",
        "retry_job_run",
        "confirm_parameter_version",
    ],
)
def test_ensure_refuses_exactly_where_can_says_no(users, township_a, township_b, name):
    """In the states where the step is possible, ``ensure_`` raises (with a sentence) iff ``can_`` is False."""
    ensure = getattr(p, f"ensure_{name.split('/')[0]}")
    for township, requester in ((township_a, users["caseworker"]), (township_b, users["caseworker_b"])):
        obj = _objects(users, township, requester)[name]
        for role in ROLES:
            allowed = _answer(name, users[role], obj)
            try:
                ensure(users[role], obj)
            except PermissionDenied as error:
                assert not allowed, (name, role)
                assert str(error), (name, role)
            else:
                assert allowed, (name, role)


def test_handling_entries_follows_the_township_while_not_locked(users, township_a):
    entry = LedgerEntry(township=township_a, month=OCT)
    with pytest.raises(PermissionDenied, match="审计用户"):
        p.ensure_handle_ledger_entry(users["auditor"], entry)
    with pytest.raises(PermissionDenied, match="乡镇"):
        p.ensure_handle_ledger_entry(users["county_staff"], entry)
    with pytest.raises(PermissionDenied, match="本乡镇"):
        p.ensure_handle_ledger_entry(users["caseworker_b"], entry)
    p.ensure_handle_ledger_entry(users["caseworker"], entry)


def test_the_second_person_rule_is_said(users, township_a):
    review = ExitReview(enrollment=Enrollment(township=township_a), requested_by=users["reviewer"])
    with pytest.raises(PermissionDenied, match="另一人复核"):
        p.ensure_review_exit(users["reviewer"], review)
    p.ensure_review_exit(users["caseworker"], review)


# Auditors are read only by construction -----------------------------------------------------------------------

WRITE_VIEWS = [
    ("parameter-confirm", ["dibao.standard.urban", 1]),
    ("ledger-entry-handle", [1]),
    ("ledger-submit", [1, "2020-10"]),
    ("ledger-review", [1, "2020-10"]),
    ("comparison-flag-resolve", [1]),
    ("comparison-run", []),
    ("exit-request", [1]),
    ("exit-review", [1]),
    ("asset-override", [1]),
    ("temporary-new", []),
    ("temporary-decide", [1]),
    ("temporary-followup", [1]),
    ("roll-import", []),
    ("roll-import-confirm", []),
]


@pytest.mark.parametrize(("name", "args"), WRITE_VIEWS, ids=[name for name, _ in WRITE_VIEWS])
def test_an_auditor_gets_403_from_every_write_view(client_for, name, args):
    url = reverse(name, args=args)
    auditor = client_for("auditor")
    response = auditor.get(url)
    assert response.status_code == 403
    assert b"<form" not in response.content or b'name="note"' not in response.content
    assert auditor.post(url, {"note": "x", "reason": "x", "comment": "x"}).status_code == 403


def test_mixed_pages_show_no_write_form_to_an_auditor(client_for, users, villages):
    household = make_household(users["caseworker"], villages["a"])
    make_member(users["caseworker"], household, name="张一")
    auditor = client_for("auditor")
    page = auditor.get(reverse("determination", args=[household.pk]))
    assert page.status_code == 200 and 'name="month"' not in page.content.decode()
    jobs = auditor.get(reverse("job-list"))
    assert jobs.status_code == 200 and "启动摸排</button>" not in jobs.content.decode()
    version = PolicyParameter.objects.filter(key="dibao.standard.urban").first()
    detail = auditor.get(reverse("parameter-detail", args=[version.key])).content.decode()
    assert reverse("parameter-confirm", args=[version.key, version.pk]) not in detail


# Input at the edge ---------------------------------------------------------------------------------------------


def test_a_nul_byte_in_a_note_is_a_form_error_not_a_500(client_for):
    version = PolicyParameter.objects.filter(confirmed=False).first() or PolicyParameter.objects.first()
    client = client_for("county_admin")
    url = reverse("parameter-confirm", args=[version.key, version.pk])
    response = client.post(url, {"note": "已核实\x00"}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "确认说明" in text and "控制字符" in text


def test_a_nul_byte_in_a_followup_note_comes_back_on_the_field(client_for, users, villages):
    household = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], household, name="张一")
    case = temporary.register_case(
        actor=users["caseworker"],
        member=member,
        kind="emergency",
        cause="fire",
        amount=Decimal("500.00"),
        description="住房失火，家中财物全部烧毁，急需生活救助。",
        advance=True,
        on=OCT,
    )
    response = client_for("caseworker").post(reverse("temporary-followup", args=[case.pk]), {"note": "已评估\x00"})
    assert response.status_code == 200
    assert "note" in response.context["followup_form"].errors
    assert "控制字符" in " ".join(response.context["followup_form"].errors["note"])


def test_a_nul_byte_in_a_filter_is_not_a_500(client_for, township_a):
    client = client_for("caseworker")
    assert client.get(reverse("enrollment-list"), {"status": "x\x00"}).status_code < 500
    assert client.get(reverse("comparison-list"), {"code": "x\x00", "month": "2020-10"}).status_code < 500
    detail = reverse("ledger-detail", args=[township_a.pk, "2020-10"])
    assert client.get(detail, {"category": "x\x00"}).status_code < 500


def test_a_bad_township_or_month_when_starting_a_run_is_not_a_500(client_for):
    client = client_for("county_staff")
    response = client.post(reverse("comparison-run"), {"month": "2020-13", "township": ""}, follow=True)
    assert response.status_code == 200 and "月份" in response.content.decode()
    refused = client.post(reverse("job-list"), {"month": "2020-10", "township": "１２"}, follow=True)
    assert refused.status_code == 400 and "乡镇" in refused.content.decode()  # the form again, the field named
    assert not JobRun.objects.exists()
