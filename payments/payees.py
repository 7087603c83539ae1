"""Who receives a payment line's money (policy.md §14): the payee is copied onto the line.

* 低保 → the household head's account; a guardian or agent recorded on the head receives instead.
* every other benefit → the person's account, or the recorded guardian/agent (children, incapacitated adults).
* 集中供养 特困 → the institution's account (``InstitutionAccount``, matched by the enrollment's institution name).

A line without an account is generated with its problem named, and the payroll cannot be submitted until the
account is recorded and the payroll regenerated (or, for a later batch, its payees refreshed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from assistance.models import Enrollment
from cases.models import Member
from payments.models import InstitutionAccount, PaymentLine

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


def institution_payee(name: str, accounts: Mapping[str, InstitutionAccount]) -> Payee:
    account = accounts.get(name)
    if account is None or not account.bank_account:
        return Payee(PayeeKind.INSTITUTION, name, "", "", "", f"机构账户未登记（{name}）")
    return Payee(PayeeKind.INSTITUTION, name, account.credit_code, account.bank_name, account.bank_account)


def institution_accounts(names: Iterable[str]) -> dict[str, InstitutionAccount]:
    wanted = {name for name in names if name}
    if not wanted:
        return {}
    return {account.name: account for account in InstitutionAccount.objects.filter(name__in=wanted)}


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
            "pk", "institution_name"
        )
    )
    accounts = institution_accounts(institutions.values())
    payees = {}
    for line in lines:
        if not line.member_id:
            payees[line.pk] = person_payee(heads.get(line.household_id), head=True)
        elif line.enrollment_id in institutions:
            payees[line.pk] = institution_payee(institutions[line.enrollment_id], accounts)
        else:
            payees[line.pk] = person_payee(members.get(line.member_id))
    return payees
