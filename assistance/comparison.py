"""Monthly comparison with the poverty registry and the other external rolls (民政–扶贫 信息比对, policy.md §11).

Matches on the normalised ID number (the member each roll record was matched to at import) and raises, for a
township or the whole county and a month, every flag of §11 plus ``DECEASED_STILL_PAID``:

* ``ID_INVALID`` / ``ID_DUPLICATE``: registry rows whose number is invalid / repeated in the file (one flag per
  distinct number text and township, every row in the evidence).
* ``NAME_MISMATCH``: the registry name differs from the matched member's name.
* ``JDLK_NOT_COVERED``: a registry person (unlifted, lifted or monitored) who has no work capacity, or is severely
  disabled (grade 1–2, or on the 残联 list), or has a major illness (因病致贫 list, or a major illness recorded),
  and is covered neither by an open 低保 (the household's, or 单人户施保) nor an open 特困. A registry person not in
  the roll at all is flagged when on the 残联 or 因病致贫 list.
* ``JDLK_EXIT_CHECK``: a registry household whose 低保, or a member's 特困, ends with the previous month (an exit
  review pending or approved with that last month, or the enrollment's end month): the second review is due.
* ``TEKUN_CANDIDATE`` / ``SINGLE_PERSON_CANDIDATE``: registry persons among the month's screening ledger entries of
  those categories (run the screening first).
* ``ATTRIBUTE_MISMATCH`` (per household: the attribute is the household's, and a 特困供养贫困户's rows also list
  family members who are not 特困 themselves): 低保贫困户 without an open 低保 / 单人户施保 in the household;
  特困供养贫困户 without any member on open 特困; or the reverse: an open 低保 household, or a member on open 特困,
  whose registry rows all say 一般贫困户.
* ``DUPLICATE_BENEFIT``: a person on open 特困 who also has 两项补贴, the orphan allowance or 单人户施保, or who is
  counted among the covered members of the determination their household's open 低保 is based on.
* ``COVID_NO_RELIEF``: a person on the COVID list, or a member recorded as confirmed, in hospital during the month,
  who is a 低保 household member, on 特困, in the registry, or a child in difficulty (孤儿/事实无人抚养: child status
  or orphan allowance), without a 新冠患者临时救助 enrollment covering the month.
* ``DECEASED_STILL_PAID``: a person on the death list, or a member with a date of death, with an open enrollment
  whose end month is empty or after the month of death.

"Open" means applying, active, in gradual exit or suspended, and not ended before the month.

Set-based: each source is read in one query (for the township or the county), the rules run in memory, and each
township's flags are written with one delete and one bulk insert. Re-running a month replaces its open flags
(keeping when each was first raised) and never touches resolved flags. A flag still open in a later month's run
keeps the earlier ``opened_at``; a flag open longer than ``comparison.open_flag_max_days`` is overdue and counts
against the township.

The comparison is a monthly job (``assistance.jobs.start_comparison``) and should follow every committed
registry import: the comparison page says when an external roll was imported after the last run and lets the
county start one (cases never imports assistance, so the import itself cannot start it)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from assistance.models import BenefitKind, ComparisonFlag, Determination, Enrollment, ExitReview, LedgerEntry
from assistance.permissions import ensure_resolve_comparison_flag, ledger_owners
from cases.models import Member, RollKind, Township, User
from cases.rolls import current_records
from cases.selectors import scope
from core.exceptions import TransitionNotAllowed
from core.months import month_end, month_start, previous_month
from core.parameters import parameter

Code = ComparisonFlag.Code
OPEN = tuple(str(s) for s in Enrollment.OPEN_STATUSES)
IN_REGISTRY = ("unlifted", "lifted", "monitored")
DIBAO_ATTRIBUTE, TEKUN_ATTRIBUTE, GENERAL_ATTRIBUTE = "低保贫困户", "特困供养贫困户", "一般贫困户"
TWO_SUBSIDIES = ("disability_living", "disability_care")
MAX_DAYS_KEY = "comparison.open_flag_max_days"


@dataclass
class Flag:
    code: str
    township_id: int | None
    household_id: int | None
    member_id: int | None
    id_number: str
    name: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, int | None, int | None]:
        return (self.code, self.id_number, self.household_id, self.member_id)


@dataclass(frozen=True)
class Person:
    household_id: int
    township_id: int
    id_number: str
    name: str


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class _Collector:
    """Findings keyed like the unique constraint; evidence of the same key is merged (lists extended)."""

    def __init__(self) -> None:
        self.flags: dict[tuple[str, str, int | None, int | None], Flag] = {}

    def add(self, flag: Flag) -> None:
        existing = self.flags.get(flag.key)
        if existing is None:
            self.flags[flag.key] = flag
            return
        for key, value in flag.evidence.items():
            if isinstance(value, list) and isinstance(existing.evidence.get(key), list):
                existing.evidence[key] += [item for item in value if item not in existing.evidence[key]]
            else:
                existing.evidence.setdefault(key, value)
        existing.township_id = existing.township_id or flag.township_id


# Reading ------------------------------------------------------------------------------------------------------


def _registry_rows(township_id: int | None) -> list[dict[str, Any]]:
    records = current_records(RollKind.POVERTY_REGISTRY)
    if township_id is not None:
        records = records.filter(Q(township_id=township_id) | Q(member__household__township_id=township_id))
    return list(
        records.order_by("row_number").values(
            "row_number",
            "id_number_raw",
            "id_number",
            "id_valid",
            "id_duplicate",
            "name",
            "township_id",
            "member_id",
            "poverty_attribute",
            "registry_status",
            "lifted_status",
            "monitored",
            "member__name",
            "member__active",
            "member__household_id",
            "member__household__township_id",
            "member__work_capacity",
            "member__disability_grade",
            "member__major_illness_id",
            "member__date_of_death",
        )
    )


def _list_records(kind: str, *fields: str) -> list[dict[str, Any]]:
    return list(
        current_records(kind)
        .filter(id_valid=True)
        .order_by("row_number")
        .values("row_number", "id_number", "name", "township_id", "member_id", *fields)
    )


_ENROLLMENT_COLUMNS = (
    "pk",
    "benefit",
    "township_id",
    "household_id",
    "member_id",
    "status",
    "start_month",
    "end_month",
    "monthly_amount",
)


def _enrollments(township_id: int | None, month: date) -> list[dict[str, Any]]:
    rows = Enrollment.objects.filter(status__in=OPEN).filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
    if township_id is not None:
        rows = rows.filter(township_id=township_id)
    return list(rows.order_by("pk").values(*_ENROLLMENT_COLUMNS, "determination_id"))


def _persons(member_ids: Iterable[int], known: dict[int, Person]) -> dict[int, Person]:
    missing = sorted(set(member_ids) - set(known))
    for start in range(0, len(missing), 10_000):
        rows = Member.objects.filter(pk__in=missing[start : start + 10_000]).values_list(
            "pk", "household_id", "household__township_id", "id_number", "name"
        )
        for pk, household_id, township_id, number, name in rows:
            known[pk] = Person(household_id, township_id, number, name)
    return known


def _enrollment_evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["pk"],
        "benefit": row["benefit"],
        "status": row["status"],
        "start_month": _iso(row["start_month"]),
        "end_month": _iso(row["end_month"]),
        "monthly_amount": str(row["monthly_amount"]),
    }


def _covid_evidence(found: dict[str, Any], groups: list[str]) -> dict[str, Any]:
    record = found["record"]
    return {
        "source": found["source"],
        "covid_admitted": _iso(record.get("covid_admitted")),
        "covid_discharged": _iso(record.get("covid_discharged")),
        "groups": groups,
        "covid_relief": None,
    }


def _registry_evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "row": row["row_number"],
        "name": row["name"],
        "id_number": row["id_number"] or row["id_number_raw"],
        "attribute": row["poverty_attribute"],
        "lifted_status": row["lifted_status"],
        "monitored": row["monitored"],
        "status": row["registry_status"],
    }


# The rules ----------------------------------------------------------------------------------------------------


def collect(*, month: date, township_id: int | None = None) -> list[Flag]:
    """Every flag for ``month`` in the township (or the county when ``township_id`` is None), unsaved."""
    month = month_start(month)
    last_day = month_end(month)
    previous = previous_month(month)
    out = _Collector()
    persons: dict[int, Person] = {}

    registry = _registry_rows(township_id)
    severe = {r["id_number"]: r for r in _list_records(RollKind.SEVERE_DISABILITY, "disability_grade")}
    illness = {r["id_number"]: r for r in _list_records(RollKind.ILLNESS_POVERTY, "illness")}

    # Registry persons matched to members; the registry status per number (strongest) and per household.
    registry_by_member: dict[int, dict[str, Any]] = {}
    registry_status: dict[str, str] = {}
    household_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in registry:
        member_id = row["member_id"]
        if member_id is not None:
            persons[member_id] = Person(
                row["member__household_id"],
                row["member__household__township_id"],
                row["id_number"],
                row["member__name"],
            )
            registry_by_member.setdefault(member_id, row)
            if row["registry_status"] in IN_REGISTRY:
                household_rows[row["member__household_id"]].append(row)
        if row["id_valid"] and row["registry_status"] in IN_REGISTRY:
            registry_status[row["id_number"]] = row["registry_status"]

    def township_of(row: dict[str, Any]) -> int | None:
        return row["member__household__township_id"] or row["township_id"]

    # ID_INVALID / ID_DUPLICATE / NAME_MISMATCH --------------------------------------------------------------
    for row in registry:
        evidence = {"registry": [_registry_evidence(row)]}
        if not row["id_valid"]:
            number = (row["id_number_raw"] or "（空）")[:64]
            out.add(Flag(Code.ID_INVALID, row["township_id"], None, None, number, row["name"], evidence))
            continue
        member_id, household_id = row["member_id"], row["member__household_id"]
        if row["id_duplicate"]:
            out.add(
                Flag(
                    Code.ID_DUPLICATE,
                    township_of(row),
                    household_id,
                    member_id,
                    row["id_number"],
                    row["name"],
                    evidence,
                )
            )
        if member_id is not None and row["name"].strip() and row["name"].strip() != row["member__name"]:
            evidence = {**evidence, "roll_name": row["member__name"]}
            out.add(
                Flag(
                    Code.NAME_MISMATCH,
                    township_of(row),
                    household_id,
                    member_id,
                    row["id_number"],
                    row["name"],
                    evidence,
                )
            )

    # Enrollments open in the month ----------------------------------------------------------------------------
    enrollments = _enrollments(township_id, month)
    dibao: dict[int, dict[str, Any]] = {}
    single: dict[int, dict[str, Any]] = {}
    personal: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in enrollments:
        if row["benefit"] == "dibao":
            dibao[row["household_id"]] = row
        else:
            personal[row["member_id"]][row["benefit"]] = row
            if row["benefit"] == "single_person_dibao":
                single[row["household_id"]] = row

    # JDLK_NOT_COVERED -----------------------------------------------------------------------------------------
    for row in registry:
        if not row["id_valid"] or row["registry_status"] not in IN_REGISTRY:
            continue
        number, member_id = row["id_number"], row["member_id"]
        reasons = []
        if member_id is not None:
            if not row["member__active"] or row["member__date_of_death"]:
                continue
            if row["member__work_capacity"] == "none":
                reasons.append("完全丧失劳动能力")
            if row["member__disability_grade"] in (1, 2):
                reasons.append(f"{row['member__disability_grade']}级残疾")
            if row["member__major_illness_id"]:
                reasons.append("患重特大疾病")
        if number in severe:
            reasons.append(f"残联重度残疾人名单第{severe[number]['row_number']}行")
        if number in illness:
            reasons.append(f"因病致贫名单第{illness[number]['row_number']}行（{illness[number]['illness']}）")
        if not reasons:
            continue
        if member_id is not None:
            household_id = row["member__household_id"]
            covered = (
                household_id in dibao
                or "tekun" in personal.get(member_id, {})
                or "single_person_dibao" in personal.get(member_id, {})
            )
            if covered:
                continue
        else:
            household_id = None
        evidence = {"registry": [_registry_evidence(row)], "reasons": reasons, "dibao": None, "tekun": None}
        out.add(Flag(Code.JDLK_NOT_COVERED, township_of(row), household_id, member_id, number, row["name"], evidence))

    # JDLK_EXIT_CHECK ------------------------------------------------------------------------------------------
    registry_households = set(household_rows)
    if registry_households:
        ending = Enrollment.objects.filter(benefit__in=("dibao", "tekun")).filter(
            Q(end_month=previous)
            | Q(
                exit_reviews__status__in=(ExitReview.Status.PENDING, ExitReview.Status.APPROVED),
                exit_reviews__last_month=previous,
            )
        )
        if township_id is not None:
            ending = ending.filter(township_id=township_id)
        ending_rows = list(ending.distinct().order_by("pk").values(*_ENROLLMENT_COLUMNS))
        reviews: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for review in (
            ExitReview.objects.filter(enrollment_id__in=[r["pk"] for r in ending_rows], last_month=previous)
            .exclude(status=ExitReview.Status.REJECTED)
            .order_by("pk")
            .values("pk", "enrollment_id", "status", "last_month", "reason")
        ):
            reviews[review["enrollment_id"]].append(
                {
                    "id": review["pk"],
                    "status": review["status"],
                    "last_month": _iso(review["last_month"]),
                    "reason": review["reason"],
                }
            )
        for row in ending_rows:
            if row["household_id"] not in registry_households:
                continue
            first = household_rows[row["household_id"]][0]
            member_id = row["member_id"]
            if member_id is not None:
                number = (registry_by_member.get(member_id) or {}).get("id_number", "")
                name = (registry_by_member.get(member_id) or {}).get("name", "")
            else:
                number, name = first["id_number"], first["name"]
            evidence = {
                "registry": [_registry_evidence(r) for r in household_rows[row["household_id"]]],
                "enrollments": [_enrollment_evidence(row)],
                "exit_reviews": reviews.get(row["pk"], []),
                "last_month": _iso(previous),
                "second_review_approved": any(r["status"] == "approved" for r in reviews.get(row["pk"], [])),
            }
            out.add(
                Flag(Code.JDLK_EXIT_CHECK, row["township_id"], row["household_id"], member_id, number, name, evidence)
            )

    # TEKUN_CANDIDATE / SINGLE_PERSON_CANDIDATE from the month's screening -------------------------------------
    entries = LedgerEntry.objects.filter(
        month=month,
        category__in=(LedgerEntry.Category.TEKUN_CANDIDATE, LedgerEntry.Category.SINGLE_PERSON_CANDIDATE),
        member__isnull=False,
    )
    if township_id is not None:
        entries = entries.filter(township_id=township_id)
    candidate_code = {
        LedgerEntry.Category.TEKUN_CANDIDATE: Code.TEKUN_CANDIDATE,
        LedgerEntry.Category.SINGLE_PERSON_CANDIDATE: Code.SINGLE_PERSON_CANDIDATE,
    }
    for entry in entries.order_by("pk").values(
        "pk", "township_id", "category", "household_id", "member_id", "new_amount", "status", "details"
    ):
        row = registry_by_member.get(entry["member_id"])
        if row is None or row["registry_status"] not in IN_REGISTRY:
            continue
        evidence = {
            "registry": [_registry_evidence(row)],
            "ledger_entry": {
                "id": entry["pk"],
                "status": entry["status"],
                "new_amount": str(entry["new_amount"]) if entry["new_amount"] is not None else None,
                "reasons": (entry["details"] or {}).get("reasons", []),
            },
        }
        code = candidate_code[entry["category"]]
        out.add(
            Flag(
                code,
                entry["township_id"],
                entry["household_id"],
                entry["member_id"],
                row["id_number"],
                row["name"],
                evidence,
            )
        )

    # ATTRIBUTE_MISMATCH ---------------------------------------------------------------------------------------
    tekun_members = {m for m, benefits in personal.items() if "tekun" in benefits}
    for household_id, rows in household_rows.items():
        attributes = {r["poverty_attribute"] for r in rows if r["poverty_attribute"]}
        on_dibao = household_id in dibao or household_id in single
        on_tekun = [r for r in rows if r["member_id"] in tekun_members]
        first = rows[0]
        base = {"registry": [_registry_evidence(r) for r in rows], "attributes": sorted(attributes)}
        problems = []
        if DIBAO_ATTRIBUTE in attributes and not on_dibao:
            problems.append("建档立卡为低保贫困户，但家庭不在低保")
        if TEKUN_ATTRIBUTE in attributes and not on_tekun:
            problems.append("建档立卡为特困供养贫困户，但家庭无人在特困供养")
        if attributes == {GENERAL_ATTRIBUTE} and household_id in dibao:
            problems.append("家庭在低保，但建档立卡为一般贫困户")
        if problems:
            evidence = {**base, "reasons": problems}
            if household_id in dibao:
                evidence["enrollments"] = [_enrollment_evidence(dibao[household_id])]
            out.add(
                Flag(
                    Code.ATTRIBUTE_MISMATCH,
                    township_of(first),
                    household_id,
                    None,
                    first["id_number"],
                    first["name"],
                    evidence,
                )
            )
        for row in on_tekun:
            if row["poverty_attribute"] == GENERAL_ATTRIBUTE:
                evidence = {
                    "registry": [_registry_evidence(row)],
                    "reasons": ["在特困供养，但建档立卡为一般贫困户"],
                    "enrollments": [_enrollment_evidence(personal[row["member_id"]]["tekun"])],
                }
                out.add(
                    Flag(
                        Code.ATTRIBUTE_MISMATCH,
                        township_of(row),
                        household_id,
                        row["member_id"],
                        row["id_number"],
                        row["name"],
                        evidence,
                    )
                )

    # DUPLICATE_BENEFIT ----------------------------------------------------------------------------------------
    tekun_households = {personal[m]["tekun"]["household_id"] for m in tekun_members}
    determinations = {
        e["determination_id"] for h, e in dibao.items() if e["determination_id"] and h in tekun_households
    }
    covered_members: dict[int, set[str]] = {}
    if determinations:
        rows = Determination.objects.filter(pk__in=determinations).values_list("pk", "result__household__members")
        covered_members = {pk: {str(m) for m in members or []} for pk, members in rows}
    for member_id in sorted(tekun_members):
        benefits = personal[member_id]
        tekun = benefits["tekun"]
        others = [benefits[b] for b in (*TWO_SUBSIDIES, "orphan_allowance", "single_person_dibao") if b in benefits]
        reasons = [f"特困供养 + {BenefitKind(o['benefit']).label}" for o in others]
        household_dibao = dibao.get(tekun["household_id"])
        if household_dibao and str(member_id) in covered_members.get(household_dibao["determination_id"], set()):
            others.append(household_dibao)
            reasons.append(f"特困供养 + 家庭低保（测算 {household_dibao['determination_id']} 将其计入保障人口）")
        if not others:
            continue
        evidence = {"enrollments": [_enrollment_evidence(e) for e in [tekun, *others]], "reasons": reasons}
        out.add(Flag(Code.DUPLICATE_BENEFIT, tekun["township_id"], tekun["household_id"], member_id, "", "", evidence))

    # COVID_NO_RELIEF ------------------------------------------------------------------------------------------
    covid: dict[int | str, dict[str, Any]] = {}
    for record in _list_records(RollKind.COVID_PATIENTS, "covid_admitted", "covid_discharged"):
        admitted, discharged = record["covid_admitted"], record["covid_discharged"]
        if admitted and admitted <= last_day and (discharged is None or discharged >= month):
            key = record["member_id"] or record["id_number"]
            covid.setdefault(key, {"source": f"新冠肺炎患者名单第{record['row_number']}行", "record": record})
    confirmed = Member.objects.filter(covid_confirmed=True, covid_admitted__lte=last_day).filter(
        Q(covid_discharged__isnull=True) | Q(covid_discharged__gte=month)
    )
    if township_id is not None:
        confirmed = confirmed.filter(household__township_id=township_id)
    for pk, admitted, discharged in confirmed.values_list("pk", "covid_admitted", "covid_discharged"):
        covid.setdefault(
            pk,
            {
                "source": "在册成员登记为新冠确诊",
                "record": {"covid_admitted": admitted, "covid_discharged": discharged},
            },
        )
    if covid:
        member_ids = [k for k in covid if isinstance(k, int)]
        _persons(member_ids, persons)
        children = set(
            Member.objects.filter(pk__in=member_ids).exclude(child_status="none").values_list("pk", flat=True)
        )
        relief = set(
            Enrollment.objects.filter(benefit="covid_relief", member_id__in=member_ids, start_month__lte=month)
            .exclude(status="applying")
            .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
            .values_list("member_id", flat=True)
        )
        for key, found in covid.items():
            record = found["record"]
            if isinstance(key, str):  # not in the roll: only the registry says who they are
                if registry_status.get(key):
                    groups = [f"建档立卡（{registry_status[key]}）"]
                    evidence = _covid_evidence(found, groups)
                    out.add(
                        Flag(
                            Code.COVID_NO_RELIEF,
                            record.get("township_id"),
                            None,
                            None,
                            key,
                            record.get("name", ""),
                            evidence,
                        )
                    )
                continue
            person = persons.get(key)
            if person is None or (township_id is not None and person.township_id != township_id):
                continue
            groups = []
            if person.household_id in dibao:
                groups.append("低保家庭成员")
            if "tekun" in personal.get(key, {}):
                groups.append("特困供养人员")
            if registry_status.get(person.id_number):
                groups.append(f"建档立卡（{registry_status[person.id_number]}）")
            if key in children or "orphan_allowance" in personal.get(key, {}):
                groups.append("困境儿童")
            if not groups or key in relief:
                continue
            out.add(
                Flag(
                    Code.COVID_NO_RELIEF,
                    person.township_id,
                    person.household_id,
                    key,
                    person.id_number,
                    person.name,
                    _covid_evidence(found, groups),
                )
            )

    # DECEASED_STILL_PAID --------------------------------------------------------------------------------------
    deaths: dict[int, dict[str, Any]] = {}
    for record in _list_records(RollKind.DEATHS, "date_of_death"):
        if record["member_id"] and record["date_of_death"] and record["date_of_death"] <= last_day:
            deaths.setdefault(
                record["member_id"],
                {"source": f"死亡人员名单第{record['row_number']}行", "date": record["date_of_death"]},
            )
    dead = Member.objects.filter(date_of_death__lte=last_day)
    if township_id is not None:
        dead = dead.filter(household__township_id=township_id)
    for pk, died in dead.values_list("pk", "date_of_death"):
        deaths.setdefault(pk, {"source": "在册成员登记死亡", "date": died})
    if deaths:
        _persons(deaths, persons)
        paid = Enrollment.objects.filter(status__in=OPEN, member_id__in=list(deaths))
        by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in paid.order_by("pk").values(*_ENROLLMENT_COLUMNS):
            member_id = row["member_id"]
            if row["end_month"] is None or row["end_month"] > month_start(deaths[member_id]["date"]):
                by_person[member_id].append(row)
        for member_id, rows in sorted(by_person.items()):
            person = persons.get(member_id)
            if person is None or (township_id is not None and person.township_id != township_id):
                continue
            evidence = {
                "source": deaths[member_id]["source"],
                "date_of_death": _iso(deaths[member_id]["date"]),
                "enrollments": [_enrollment_evidence(r) for r in rows],
            }
            out.add(
                Flag(
                    Code.DECEASED_STILL_PAID,
                    person.township_id,
                    person.household_id,
                    member_id,
                    person.id_number,
                    person.name,
                    evidence,
                )
            )

    # Fill the person's number and name where a rule did not have them; keep the township's own flags.
    flags = list(out.flags.values())
    _persons([f.member_id for f in flags if f.member_id and not f.id_number], persons)
    result = []
    for flag in flags:
        if flag.member_id and not flag.id_number and flag.member_id in persons:
            flag.id_number, flag.name = persons[flag.member_id].id_number, persons[flag.member_id].name
        if flag.township_id is None or (township_id is not None and flag.township_id != township_id):
            continue
        result.append(flag)
    return result


# Writing ------------------------------------------------------------------------------------------------------


def _default_owners(township_ids: Iterable[int]) -> dict[int, int]:
    """The township's first active caseworker, as for the screening's ledger entries."""
    owners: dict[int, int] = {}
    rows = (
        User.objects.filter(ledger_owners(), township_id__in=list(township_ids))
        .order_by("township_id", "pk")
        .values_list("township_id", "pk")
    )
    for township, pk in rows:
        owners.setdefault(township, pk)
    return owners


def _key(code: str, id_number: str, household_id: int | None, member_id: int | None) -> tuple:
    return (code, id_number, household_id, member_id)


@transaction.atomic
def _replace_open_flags(
    *, township_id: int, month: date, flags: list[Flag], run_id: int | None, owner_id: int | None
) -> int:
    """Replace the month's open flags of the township with ``flags``; resolved flags stay as they are. A finding
    raised again keeps when it was first raised (this month's earlier run, or an earlier month's open flag)."""
    Township.objects.select_for_update().filter(pk=township_id).first()  # one writer per township at a time
    existing = ComparisonFlag.objects.filter(township_id=township_id, month=month)
    fields = ("code", "id_number", "household_id", "member_id")
    resolved = {_key(*row) for row in existing.filter(status=ComparisonFlag.Status.RESOLVED).values_list(*fields)}
    wanted = [f for f in flags if f.key not in resolved]
    opened: dict[tuple, datetime] = {}
    earlier = ComparisonFlag.objects.filter(
        township_id=township_id, month__lte=month, status=ComparisonFlag.Status.OPEN, code__in={f.code for f in wanted}
    ).values_list(*fields, "opened_at")
    for *key, opened_at in earlier:
        key = _key(*key)
        if key not in opened or opened_at < opened[key]:
            opened[key] = opened_at
    existing.filter(status=ComparisonFlag.Status.OPEN).delete()
    now = timezone.now()
    rows = [
        (
            township_id,
            month,
            f.code,
            f.household_id,
            f.member_id,
            f.id_number[:64],
            f.name[:64],
            json.dumps(f.evidence, ensure_ascii=False, sort_keys=True),
            ComparisonFlag.Status.OPEN.value,
            owner_id,
            opened.get(f.key, now),
            "",
            run_id,
        )
        for f in sorted(wanted, key=lambda f: (f.code, f.id_number, f.household_id or 0, f.member_id or 0))
    ]
    _copy_flags(rows)
    return len(rows)


_COPY_COLUMNS = (
    "township_id",
    "month",
    "code",
    "household_id",
    "member_id",
    "id_number",
    "name",
    "evidence",
    "status",
    "owner_id",
    "opened_at",
    "resolution_note",
    "run_id",
)


def _copy_flags(rows: list[tuple]) -> None:
    """Insert with COPY: tens of thousands of flags with their JSON evidence in well under a second."""
    if not rows:
        return
    statement = f"COPY {ComparisonFlag._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def compare_township(*, township_id: int, month: date, run_id: int | None = None) -> dict[str, int]:
    """Compare one township for ``month`` and replace the month's open flags; returns counts per code."""
    month = month_start(month)
    flags = collect(month=month, township_id=township_id)
    owner = _default_owners([township_id]).get(township_id)
    written = _replace_open_flags(township_id=township_id, month=month, flags=flags, run_id=run_id, owner_id=owner)
    return {"flags": written, **Counter(str(f.code) for f in flags)}


def compare_county(*, month: date, run_id: int | None = None) -> dict[str, int]:
    """Compare every township for ``month`` in one pass (each source read once for the county), then replace each
    township's open flags. For the job pages, ``assistance.jobs.start_comparison`` runs one task per township."""
    month = month_start(month)
    flags = collect(month=month)
    by_township: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags:
        by_township[flag.township_id].append(flag)
    township_ids = list(Township.objects.order_by("code").values_list("pk", flat=True))
    owners = _default_owners(township_ids)
    written = 0
    for township in township_ids:
        written += _replace_open_flags(
            township_id=township,
            month=month,
            flags=by_township.get(township, []),
            run_id=run_id,
            owner_id=owners.get(township),
        )
    return {"townships": len(township_ids), "flags": written, **Counter(str(f.code) for f in flags)}


@transaction.atomic
def resolve_flag(*, actor: User, flag: ComparisonFlag, note: str) -> ComparisonFlag:
    """The township (or the county) records how a flag was resolved; a resolved flag is never changed again."""
    flag = ComparisonFlag.objects.select_for_update().get(pk=flag.pk)
    ensure_resolve_comparison_flag(actor, flag)
    if flag.status == ComparisonFlag.Status.RESOLVED:
        raise TransitionNotAllowed("该问题已处理。")
    if not note.strip():
        raise ValidationError({"note": "请填写处理情况。"})
    flag.status = ComparisonFlag.Status.RESOLVED
    flag.resolution_note = note.strip()
    flag.resolved_by = actor
    flag.resolved_at = timezone.now()
    flag.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
    return flag


# Reads --------------------------------------------------------------------------------------------------------


def max_open_days(today: date) -> int:
    return int(parameter(MAX_DAYS_KEY, today))


def overdue_cutoff(today: date) -> datetime:
    """Flags first raised before this moment are overdue on ``today``."""
    start = datetime.combine(today - timedelta(days=max_open_days(today)), datetime.min.time())
    return timezone.make_aware(start)


def open_flags(
    user: User, *, township_id: int | None = None, month: date | None = None, code: str | None = None
) -> QuerySet[ComparisonFlag]:
    """Open flags the user may see (county: all, township: its own), optionally for a township/month/code."""
    flags = scope(ComparisonFlag.objects.filter(status=ComparisonFlag.Status.OPEN), user)
    if township_id is not None:
        flags = flags.filter(township_id=township_id)
    if month is not None:
        flags = flags.filter(month=month_start(month))
    if code:
        flags = flags.filter(code=code)
    return flags.select_related("township", "household", "member", "owner").order_by("township__code", "code", "pk")


def overdue_flags(township_id: int, today: date) -> QuerySet[ComparisonFlag]:
    """The township's flags still open more than ``comparison.open_flag_max_days`` days after first raised
    (counted against the township by oversight). Not scoped: for oversight, which is county-side."""
    return ComparisonFlag.objects.filter(
        township_id=township_id, status=ComparisonFlag.Status.OPEN, opened_at__lt=overdue_cutoff(today)
    ).order_by("opened_at", "pk")


def flags_for(user: User, *, month: date, township_id: int | None = None) -> QuerySet[ComparisonFlag]:
    """All flags (open and resolved) of a month the user may see."""
    flags = scope(ComparisonFlag.objects.filter(month=month_start(month)), user)
    if township_id is not None:
        flags = flags.filter(township_id=township_id)
    return flags.select_related("township", "household", "member", "owner", "resolved_by").order_by(
        "township__code", "code", "id_number", "pk"
    )


def code_counts(flags: QuerySet[ComparisonFlag]) -> dict[str, dict[str, int]]:
    from django.db.models import Count

    counts: dict[str, dict[str, int]] = {}
    for code, status, n in flags.order_by().values_list("code", "status").annotate(n=Count("pk")):
        counts.setdefault(code, {"open": 0, "resolved": 0})[status] = n
    return counts
