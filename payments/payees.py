"""Who receives a payment line's money (policy.md §14): the payee is copied onto the line.

* 低保 → the household head's account; a guardian or agent recorded on the head receives instead.
* every other benefit → the person's account, or the recorded guardian/agent (children, incapacitated adults).
* 集中供养 特困 → the account of the nursing home the person lives in during the payroll month (the residence
  covering the month, ``eldercare.models.Residence``); without a residence the line names the problem.

A line without an account is generated with its problem named, and the payroll cannot be submitted until the
account is recorded and the payroll regenerated (or, for a later batch, its payees refreshed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from assistance.models import Enrollment
from cases.models import Member
from eldercare.selectors.homes import HomeAccount, home_in_month, member_residences
from payments.models import PaymentLine

PayeeKind = PaymentLine.PayeeKind

PERSON_FIELDS = (
    "id",
    "name",
    "id_number",
    "bank_name",
    "bank_account",
    "payee_kind",
    "payee_name",
    "payee_id_number",
    "date_of_death",
)
LINE_PAYEE_FIELDS = ("payee_kind", "payee_name", "payee_id_number", "bank_name", "bank_account", "problem")


class Payee(NamedTuple):
    """Who receives a line's money; its fields in the order of ``LINE_PAYEE_FIELDS``."""

    kind: str
    name: str
    id_number: str
    bank_name: str
    bank_account: str
    problem: str = ""

    def as_fields(self) -> dict[str, str]:
        return {
            "payee_kind": self.kind,
            "payee_name": self.name,
            "payee_id_number": self.id_number,
            "bank_name": self.bank_name,
            "bank_account": self.bank_account,
            "problem": self.problem,
        }


def person_payee(person: Mapping[str, Any] | None, *, head: bool = False) -> Payee:
    """The person's own account; a guardian or agent recorded on the person receives the money instead."""
    who = "户主" if head else "对象"
    if not person or not person.get("id"):
        return Payee(PayeeKind.SELF, "", "", "", "", "该户没有在册户主，无法确定收款人")
    kind = person.get("payee_kind") or PayeeKind.SELF
    if kind == PayeeKind.SELF:
        name, id_number = person["name"], person["id_number"]
    else:
        name, id_number = person.get("payee_name") or "", person.get("payee_id_number") or ""
    problem = ""
    if head and person.get("date_of_death"):
        problem = "户主已死亡，请变更户主或登记领取人"
    elif kind != PayeeKind.SELF and not name:
        problem = f"{who}登记由{PayeeKind(kind).label}领取，但未登记领取人姓名"
    elif not person.get("bank_account"):
        problem = f"{who}银行账号未登记"
    return Payee(kind, name, id_number, person.get("bank_name") or "", person.get("bank_account") or "", problem)


NO_RESIDENCE = "集中供养对象本月没有敬老院入住记录"


def institution_payee(home: HomeAccount | None) -> Payee:
    """The home's account for a 集中供养 特困 person (``home``: the home of their residence in the month)."""
    if home is None:
        return Payee(PayeeKind.INSTITUTION, "", "", "", "", NO_RESIDENCE)
    if not home.bank_account:
        return Payee(PayeeKind.INSTITUTION, home.name, home.credit_code, "", "", f"机构账户未登记（{home.name}）")
    return Payee(PayeeKind.INSTITUTION, home.name, home.credit_code, home.bank_name, home.bank_account)


def person(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    person = {field: row[f"{prefix}__{field}"] for field in PERSON_FIELDS}
    return person if person["id"] else None


# Payees of saved lines, re-read -----------------------------------------------------------------------------


def current_payees(lines: list[PaymentLine]) -> dict[int, Payee]:
    """Each saved line's payee (by line id) from the records as they are now (set-based: four queries at most)."""
    member_ids = {line.member_id for line in lines if line.member_id}
    household_ids = {line.household_id for line in lines if not line.member_id}
    enrollment_ids = {line.enrollment_id for line in lines if line.enrollment_id and line.member_id}
    fields = ("household_id", *PERSON_FIELDS)
    members = {row["id"]: row for row in Member.objects.filter(pk__in=member_ids).values(*fields)}
    heads = {
        row["household_id"]: row
        for row in Member.objects.filter(
            household_id__in=household_ids, relation=Member.Relation.HEAD, active=True
        ).values(*fields)
    }
    institutions = dict(
        Enrollment.objects.filter(pk__in=enrollment_ids, support_mode=Enrollment.SupportMode.CENTRALIZED).values_list(
            "pk", "member_id"
        )
    )
    months = [line.month for line in lines if line.enrollment_id in institutions]
    residences = member_residences(institutions.values(), min(months), max(months)) if months else {}
    payees = {}
    for line in lines:
        if not line.member_id:
            payees[line.pk] = person_payee(heads.get(line.household_id), head=True)
        elif line.enrollment_id in institutions:
            periods = residences.get(institutions[line.enrollment_id])
            payees[line.pk] = institution_payee(home_in_month(periods, line.month))
        else:
            payees[line.pk] = person_payee(members.get(line.member_id))
    return payees
