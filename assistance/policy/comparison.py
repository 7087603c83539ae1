"""The rules of the monthly comparison with the poverty registry and the other external rolls (民政–扶贫 信息比对,
policy.md §11), on data already read.

``assistance.comparison`` reads each source once (for a township or the county) into ``Inputs`` and calls
``all_flags``; this module only decides. Matching is on the normalised ID number: each roll record carries the
member it was matched to at import. One function per flag (or per closely related group) takes the inputs and
returns its flags; ``all_flags`` runs them in ``RULES`` order, merges findings of the same key (``Collector``),
fills the person's number and name where a rule did not have them, and keeps the township's own flags.

"Open" enrollments (applying, active, in gradual exit or suspended, and not ended before the month) are chosen
by the reads; so are the enrollments ending with the previous month and their exit reviews.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from assistance.policy.registry import strongest_status

__all__ = [
    "CANDIDATE_CODES",
    "CODES",
    "RULES",
    "CandidateEntry",
    "Collector",
    "CovidCase",
    "EndingEnrollment",
    "EnrollmentRow",
    "ExitReviewRow",
    "Flag",
    "Inputs",
    "ListRecord",
    "OpenEnrollments",
    "Person",
    "RegistryRow",
    "all_flags",
    "attribute_mismatch",
    "candidates",
    "covid_no_relief",
    "deceased_still_paid",
    "duplicate_benefit",
    "enrollment_evidence",
    "id_and_name",
    "in_hospital",
    "jdlk_entry_check",
    "jdlk_exit_check",
    "jdlk_not_covered",
    "registry_evidence",
    "relief_covers",
    "roll_fact_mismatch",
]

# The flag codes: the values of ``assistance.models.ComparisonFlag.Code``.
JDLK_NOT_COVERED = "JDLK_NOT_COVERED"
JDLK_EXIT_CHECK = "JDLK_EXIT_CHECK"
TEKUN_CANDIDATE = "TEKUN_CANDIDATE"
SINGLE_PERSON_CANDIDATE = "SINGLE_PERSON_CANDIDATE"
ATTRIBUTE_MISMATCH = "ATTRIBUTE_MISMATCH"
ID_INVALID = "ID_INVALID"
ID_DUPLICATE = "ID_DUPLICATE"
NAME_MISMATCH = "NAME_MISMATCH"
DUPLICATE_BENEFIT = "DUPLICATE_BENEFIT"
COVID_NO_RELIEF = "COVID_NO_RELIEF"
DECEASED_STILL_PAID = "DECEASED_STILL_PAID"
JDLK_ENTRY_CHECK = "JDLK_ENTRY_CHECK"
ROLL_FACT_MISMATCH = "ROLL_FACT_MISMATCH"
CODES = (
    JDLK_NOT_COVERED,
    JDLK_EXIT_CHECK,
    TEKUN_CANDIDATE,
    SINGLE_PERSON_CANDIDATE,
    ATTRIBUTE_MISMATCH,
    ID_INVALID,
    ID_DUPLICATE,
    NAME_MISMATCH,
    DUPLICATE_BENEFIT,
    COVID_NO_RELIEF,
    DECEASED_STILL_PAID,
    JDLK_ENTRY_CHECK,
    ROLL_FACT_MISMATCH,
)
# The labels of the registry statuses (``cases.models.PovertyStatus``) and of the disability categories
# (``cases.models.Member.DisabilityCategory``), for the reasons of ROLL_FACT_MISMATCH.
STATUS_LABELS = {"none": "非建档立卡", "unlifted": "未脱贫", "lifted": "已脱贫", "monitored": "监测对象"}
DISABILITY_LABELS = {
    "physical": "肢体残疾",
    "visual": "视力残疾",
    "hearing": "听力残疾",
    "speech": "言语残疾",
    "intellectual": "智力残疾",
    "mental": "精神残疾",
    "multiple": "多重残疾",
}

# The screening ledger's categories (``LedgerEntry.Category`` values) that are registry candidates.
CANDIDATE_CODES = {"tekun_candidate": TEKUN_CANDIDATE, "single_person_candidate": SINGLE_PERSON_CANDIDATE}
IN_REGISTRY = ("unlifted", "lifted", "monitored")
DIBAO_ATTRIBUTE, TEKUN_ATTRIBUTE, GENERAL_ATTRIBUTE = "低保贫困户", "特困供养贫困户", "一般贫困户"
TWO_SUBSIDIES = ("disability_living", "disability_care")
# The labels of ``assistance.models.BenefitKind``.
BENEFIT_NAMES = {
    "dibao": "低保",
    "tekun": "特困供养",
    "single_person_dibao": "单人户施保",
    "covid_relief": "新冠患者临时救助",
    "disability_living": "困难残疾人生活补贴",
    "disability_care": "重度残疾人护理补贴",
    "orphan_allowance": "孤儿/事实无人抚养儿童基本生活费",
}


# What the rules take in --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """A row of the poverty registry in force and the roll member it was matched to at import (``member_*`` are
    that member's facts, None when unmatched). ``id_number`` is the normalised number, empty when invalid."""

    row_number: int
    id_number_raw: str
    id_number: str
    id_valid: bool
    id_duplicate: bool
    name: str
    township_id: int | None
    poverty_attribute: str
    registry_status: str
    lifted_status: str
    monitored: bool
    member_id: int | None = None
    member_name: str | None = None
    member_active: bool | None = None
    member_household_id: int | None = None
    member_township_id: int | None = None
    member_work_capacity: str | None = None
    member_disability_grade: int | None = None
    member_major_illness_id: int | None = None
    member_date_of_death: date | None = None

    @property
    def township(self) -> int | None:
        """The matched member's township, else the row's."""
        return self.member_township_id or self.township_id


@dataclass(frozen=True, slots=True)
class ListRecord:
    """A row with a valid ID number of another external roll in force: 残联重度残疾人, 因病致贫, 新冠肺炎患者 or
    死亡人员 (each list fills its own fields)."""

    row_number: int
    id_number: str
    name: str = ""
    township_id: int | None = None
    member_id: int | None = None
    illness: str = ""
    covid_admitted: date | None = None
    covid_discharged: date | None = None
    date_of_death: date | None = None
    disability_category: str = ""
    disability_grade: int | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the caseworker recorded on a member the rolls name (``assistance.facts.recorded_facts``)."""

    poverty_status: str = "none"
    covid: tuple[date | None, date | None] | None = None  # (admitted, discharged) when recorded as confirmed
    date_of_death: date | None = None
    disability: tuple[str, int] | None = None  # (category, grade)


@dataclass(frozen=True, slots=True)
class EnrollmentRow:
    """An enrollment; ``member_id`` is None for 低保 (the household's). ``determination_id`` is read for 低保."""

    id: int
    benefit: str
    township_id: int
    household_id: int
    member_id: int | None
    status: str
    start_month: date
    end_month: date | None
    monthly_amount: Decimal
    determination_id: int | None = None


@dataclass(frozen=True, slots=True)
class ExitReviewRow:
    id: int
    status: str
    last_month: date
    reason: str


@dataclass(frozen=True, slots=True)
class EndingEnrollment:
    """A 低保 or 特困 enrollment ending with the previous month (its end month, or a pending or approved exit
    review with that last month), with those exit reviews (rejected ones left out)."""

    enrollment: EnrollmentRow
    exit_reviews: tuple[ExitReviewRow, ...] = ()


@dataclass(frozen=True, slots=True)
class CandidateEntry:
    """A screening ledger entry of the month in a ``CANDIDATE_CODES`` category, for a member."""

    id: int
    township_id: int
    category: str
    household_id: int
    member_id: int
    new_amount: Decimal | None
    status: str
    details: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Person:
    """Who a roll member is, to name and place a flag."""

    household_id: int
    township_id: int
    id_number: str
    name: str


@dataclass(frozen=True)
class OpenEnrollments:
    """The month's open enrollments: 低保 and 单人户施保 by household, the personal ones by member and benefit."""

    dibao: Mapping[int, EnrollmentRow] = field(default_factory=dict)
    single: Mapping[int, EnrollmentRow] = field(default_factory=dict)
    personal: Mapping[int, Mapping[str, EnrollmentRow]] = field(default_factory=dict)

    @classmethod
    def index(cls, rows: Iterable[EnrollmentRow]) -> OpenEnrollments:
        """Index ``rows`` (in id order: a later one of the same household or member and benefit wins)."""
        dibao: dict[int, EnrollmentRow] = {}
        single: dict[int, EnrollmentRow] = {}
        personal: dict[int, dict[str, EnrollmentRow]] = defaultdict(dict)
        for row in rows:
            if row.benefit == "dibao":
                dibao[row.household_id] = row
            else:
                assert row.member_id is not None
                personal[row.member_id][row.benefit] = row
                if row.benefit == "single_person_dibao":
                    single[row.household_id] = row
        return cls(dibao, single, dict(personal))

    def benefits(self, member_id: int | None) -> Mapping[str, EnrollmentRow]:
        return self.personal.get(member_id, {}) if member_id is not None else {}

    @cached_property
    def tekun_members(self) -> set[int]:
        return {member for member, benefits in self.personal.items() if "tekun" in benefits}

    def determinations_to_check(self) -> set[int]:
        """The determinations of open 低保 in households with a member on open 特困: ``duplicate_benefit`` needs
        whom they count among the covered members."""
        households = {self.personal[m]["tekun"].household_id for m in self.tekun_members}
        return {e.determination_id for h, e in self.dibao.items() if e.determination_id and h in households}


@dataclass(frozen=True)
class Inputs:
    """Everything the rules read, for ``month`` (its 1st) and a township (None: the county).

    The registry, the open enrollments, the ending enrollments, the candidates, the COVID-confirmed and the dead
    members are the township's (``township_id``); the other external lists are the county's. ``members`` names the
    members the rules may need that the registry does not (COVID, deaths, 特困, ending enrollments)."""

    month: date
    township_id: int | None = None
    registry: Sequence[RegistryRow] = ()
    severe_disability: Sequence[ListRecord] = ()
    illness_poverty: Sequence[ListRecord] = ()
    open_enrollments: OpenEnrollments = field(default_factory=OpenEnrollments)
    ending: Sequence[EndingEnrollment] = ()
    candidates: Sequence[CandidateEntry] = ()
    # determination id -> the member ids (as text) it counts among the covered members
    covered_members: Mapping[int, Collection[str]] = field(default_factory=dict)
    covid_patients: Sequence[ListRecord] = ()
    # member id -> (admitted, discharged), members recorded as COVID-confirmed
    covid_confirmed: Mapping[int, tuple[date | None, date | None]] = field(default_factory=dict)
    # members with a child status (孤儿 / 事实无人抚养), among the COVID patients
    children: Collection[int] = frozenset()
    # 新冠患者临时救助 enrollments of the COVID patients
    covid_relief: Sequence[EnrollmentRow] = ()
    deaths: Sequence[ListRecord] = ()
    # member id -> date of death, members recorded as dead
    dead_members: Mapping[int, date] = field(default_factory=dict)
    # the open enrollments (any month) of the dead, in id order
    enrollments_of_dead: Sequence[EnrollmentRow] = ()
    members: Mapping[int, Person] = field(default_factory=dict)
    # whether a poverty registry is in force, and what the caseworker recorded on the members the rolls name
    registry_imported: bool = False
    recorded: Mapping[int, Recorded] = field(default_factory=dict)

    @property
    def last_day(self) -> date:
        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])

    @property
    def previous_month(self) -> date:
        return (self.month - timedelta(days=1)).replace(day=1)

    @cached_property
    def registry_by_member(self) -> dict[int, RegistryRow]:
        """A matched member's first registry row."""
        out: dict[int, RegistryRow] = {}
        for row in self.registry:
            if row.member_id is not None:
                out.setdefault(row.member_id, row)
        return out

    @cached_property
    def registry_status(self) -> dict[str, str]:
        """Valid number -> registry status (unlifted, lifted or monitored) of its last such row."""
        return {
            r.id_number: r.registry_status for r in self.registry if r.id_valid and r.registry_status in IN_REGISTRY
        }

    @cached_property
    def household_rows(self) -> dict[int, list[RegistryRow]]:
        """The registry households: household -> its members' rows with a registry status, in row order."""
        out: dict[int, list[RegistryRow]] = defaultdict(list)
        for row in self.registry:
            if row.member_id is not None and row.registry_status in IN_REGISTRY:
                assert row.member_household_id is not None
                out[row.member_household_id].append(row)
        return dict(out)

    @cached_property
    def _registry_persons(self) -> dict[int, Person]:
        return {
            row.member_id: Person(row.member_household_id, row.member_township_id, row.id_number, row.member_name)  # type: ignore[arg-type]
            for row in self.registry
            if row.member_id is not None
        }

    def person(self, member_id: int) -> Person | None:
        """The member's household, township and roll name, with the number of their last registry row when the
        registry has them (else the roll's number)."""
        return self._registry_persons.get(member_id) or self.members.get(member_id)

    @cached_property
    def severe(self) -> dict[str, ListRecord]:
        return {r.id_number: r for r in self.severe_disability}

    @cached_property
    def illness(self) -> dict[str, ListRecord]:
        return {r.id_number: r for r in self.illness_poverty}


# What the rules give back ------------------------------------------------------------------------------------


@dataclass
class Flag:
    """A finding, unsaved (``ComparisonFlag``'s fields); ``key`` is its unique constraint within a month."""

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


class Collector:
    """Findings keyed like the unique constraint; evidence of the same key is merged (lists extended in place)."""

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


# Evidence ----------------------------------------------------------------------------------------------------


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def registry_evidence(row: RegistryRow) -> dict[str, Any]:
    return {
        "row": row.row_number,
        "name": row.name,
        "id_number": row.id_number or row.id_number_raw,
        "attribute": row.poverty_attribute,
        "lifted_status": row.lifted_status,
        "monitored": row.monitored,
        "status": row.registry_status,
    }


def enrollment_evidence(row: EnrollmentRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "benefit": row.benefit,
        "status": row.status,
        "start_month": _iso(row.start_month),
        "end_month": _iso(row.end_month),
        "monthly_amount": str(row.monthly_amount),
    }


# The rules ---------------------------------------------------------------------------------------------------


def id_and_name(inputs: Inputs) -> list[Flag]:
    """``ID_INVALID``, ``ID_DUPLICATE``, ``NAME_MISMATCH`` (policy.md §11, §12): per registry row, an invalid
    number (one flag per number text, the row's township); else a number repeated in the file; and a name that
    differs from the matched member's.

    A row's ID_DUPLICATE and NAME_MISMATCH share its registry list, so the later rows of a repeated number merged
    into the first row's ID_DUPLICATE also show in that row's NAME_MISMATCH (as it has always been)."""
    flags = []
    for row in inputs.registry:
        evidence: dict[str, Any] = {"registry": [registry_evidence(row)]}
        if not row.id_valid:
            number = (row.id_number_raw or "（空）")[:64]
            flags.append(Flag(ID_INVALID, row.township_id, None, None, number, row.name, evidence))
            continue
        member_id, household_id = row.member_id, row.member_household_id
        if row.id_duplicate:
            flags.append(Flag(ID_DUPLICATE, row.township, household_id, member_id, row.id_number, row.name, evidence))
        if member_id is not None and row.name.strip() and row.name.strip() != row.member_name:
            evidence = {**evidence, "roll_name": row.member_name}
            flags.append(Flag(NAME_MISMATCH, row.township, household_id, member_id, row.id_number, row.name, evidence))
    return flags


def jdlk_not_covered(inputs: Inputs) -> list[Flag]:
    """``JDLK_NOT_COVERED`` (policy.md §11: 建档立卡 person without work capacity or severely disabled/ill in
    neither 低保 nor 特困): a registry person (unlifted, lifted or monitored; a matched member living and active)
    who has no work capacity, is disabled grade 1–2 or on the 残联 list, has a major illness or is on the 因病致贫
    list, and is covered neither by an open 低保 (the household's, or 单人户施保) nor an open 特困. A person not
    in the roll is flagged when on the 残联 or 因病致贫 list."""
    flags = []
    for row in inputs.registry:
        if not row.id_valid or row.registry_status not in IN_REGISTRY:
            continue
        number, member_id = row.id_number, row.member_id
        reasons = []
        if member_id is not None:
            if not row.member_active or row.member_date_of_death:
                continue
            if row.member_work_capacity == "none":
                reasons.append("完全丧失劳动能力")
            if row.member_disability_grade in (1, 2):
                reasons.append(f"{row.member_disability_grade}级残疾")
            if row.member_major_illness_id:
                reasons.append("患重特大疾病")
        if number in inputs.severe:
            reasons.append(f"残联重度残疾人名单第{inputs.severe[number].row_number}行")
        if number in inputs.illness:
            illness = inputs.illness[number]
            reasons.append(f"因病致贫名单第{illness.row_number}行（{illness.illness}）")
        if not reasons:
            continue
        household_id = row.member_household_id
        benefits = inputs.open_enrollments.benefits(member_id)
        covered = (
            household_id in inputs.open_enrollments.dibao or "tekun" in benefits or "single_person_dibao" in benefits
        )
        if member_id is not None and covered:
            continue
        evidence = {"registry": [registry_evidence(row)], "reasons": reasons, "dibao": None, "tekun": None}
        flags.append(Flag(JDLK_NOT_COVERED, row.township, household_id, member_id, number, row.name, evidence))
    return flags


def jdlk_exit_check(inputs: Inputs) -> list[Flag]:
    """``JDLK_EXIT_CHECK`` (policy.md §11: a 建档立卡 household leaving 低保 or 特困 this month: second review
    required): a registry household whose 低保, or a member's 特困, ends with the previous month. The flag names
    the member on 特困 (as the registry does), or the household's first registry row for 低保."""
    flags = []
    previous = _iso(inputs.previous_month)
    for ending in inputs.ending:
        row = ending.enrollment
        rows = inputs.household_rows.get(row.household_id)
        if rows is None:
            continue
        if row.member_id is not None:
            registered = inputs.registry_by_member.get(row.member_id)
            number, name = (registered.id_number, registered.name) if registered else ("", "")
        else:
            number, name = rows[0].id_number, rows[0].name
        reviews = [
            {"id": r.id, "status": r.status, "last_month": _iso(r.last_month), "reason": r.reason}
            for r in ending.exit_reviews
        ]
        evidence = {
            "registry": [registry_evidence(r) for r in rows],
            "enrollments": [enrollment_evidence(row)],
            "exit_reviews": reviews,
            "last_month": previous,
            "second_review_approved": any(r.status == "approved" for r in ending.exit_reviews),
        }
        flags.append(Flag(JDLK_EXIT_CHECK, row.township_id, row.household_id, row.member_id, number, name, evidence))
    return flags


def candidates(inputs: Inputs) -> list[Flag]:
    """``TEKUN_CANDIDATE`` / ``SINGLE_PERSON_CANDIDATE`` (policy.md §11, §5, §6): registry persons (their first
    registry row unlifted, lifted or monitored) among the month's screening ledger entries of those categories."""
    flags = []
    for entry in inputs.candidates:
        row = inputs.registry_by_member.get(entry.member_id)
        if row is None or row.registry_status not in IN_REGISTRY:
            continue
        evidence = {
            "registry": [registry_evidence(row)],
            "ledger_entry": {
                "id": entry.id,
                "status": entry.status,
                "new_amount": str(entry.new_amount) if entry.new_amount is not None else None,
                "reasons": (entry.details or {}).get("reasons", []),
            },
        }
        code = CANDIDATE_CODES[entry.category]
        flags.append(
            Flag(code, entry.township_id, entry.household_id, entry.member_id, row.id_number, row.name, evidence)
        )
    return flags


def attribute_mismatch(inputs: Inputs) -> list[Flag]:
    """``ATTRIBUTE_MISMATCH`` (policy.md §11: the registry says 低保贫困户/特困供养贫困户 but the roll disagrees,
    or the reverse). Per registry household (the attribute is the household's; a 特困供养贫困户's rows also list
    members who are not 特困 themselves): 低保贫困户 without an open 低保 / 单人户施保 in the household;
    特困供养贫困户 without any member on open 特困; an open 低保 household whose rows all say 一般贫困户. And per
    member on open 特困 whose row says 一般贫困户."""
    open_ = inputs.open_enrollments
    flags = []
    for household_id, rows in inputs.household_rows.items():
        attributes = {r.poverty_attribute for r in rows if r.poverty_attribute}
        on_dibao = household_id in open_.dibao or household_id in open_.single
        on_tekun = [r for r in rows if r.member_id in open_.tekun_members]
        problems = []
        if DIBAO_ATTRIBUTE in attributes and not on_dibao:
            problems.append("建档立卡为低保贫困户，但家庭不在低保")
        if TEKUN_ATTRIBUTE in attributes and not on_tekun:
            problems.append("建档立卡为特困供养贫困户，但家庭无人在特困供养")
        if attributes == {GENERAL_ATTRIBUTE} and household_id in open_.dibao:
            problems.append("家庭在低保，但建档立卡为一般贫困户")
        if problems:
            first = rows[0]
            evidence: dict[str, Any] = {
                "registry": [registry_evidence(r) for r in rows],
                "attributes": sorted(attributes),
                "reasons": problems,
            }
            if household_id in open_.dibao:
                evidence["enrollments"] = [enrollment_evidence(open_.dibao[household_id])]
            flags.append(
                Flag(ATTRIBUTE_MISMATCH, first.township, household_id, None, first.id_number, first.name, evidence)
            )
        for row in on_tekun:
            if row.poverty_attribute == GENERAL_ATTRIBUTE:
                evidence = {
                    "registry": [registry_evidence(row)],
                    "reasons": ["在特困供养，但建档立卡为一般贫困户"],
                    "enrollments": [enrollment_evidence(open_.benefits(row.member_id)["tekun"])],
                }
                flags.append(
                    Flag(
                        ATTRIBUTE_MISMATCH,
                        row.township,
                        household_id,
                        row.member_id,
                        row.id_number,
                        row.name,
                        evidence,
                    )
                )
    return flags


def duplicate_benefit(inputs: Inputs) -> list[Flag]:
    """``DUPLICATE_BENEFIT`` (policy.md §11: 低保 + 特困, 两项补贴 + 特困, …; §6: a 特困 person gets no 低保 and
    no 两项补贴; the orphan allowance replaces 特困): a person on open 特困 who also has 两项补贴, the orphan
    allowance or 单人户施保, or whom the determination of their household's open 低保 counts among its covered
    members. Unnamed here: ``all_flags`` names them."""
    open_ = inputs.open_enrollments
    flags = []
    for member_id in sorted(open_.tekun_members):
        benefits = open_.personal[member_id]
        tekun = benefits["tekun"]
        others = [benefits[b] for b in (*TWO_SUBSIDIES, "orphan_allowance", "single_person_dibao") if b in benefits]
        reasons = [f"特困供养 + {BENEFIT_NAMES[o.benefit]}" for o in others]
        dibao = open_.dibao.get(tekun.household_id)
        covered = inputs.covered_members.get(dibao.determination_id, ()) if dibao and dibao.determination_id else ()
        if dibao and str(member_id) in covered:
            others.append(dibao)
            reasons.append("特困供养 + 家庭低保（家庭低保的认定测算将其计入保障人口）")
        if not others:
            continue
        evidence = {"enrollments": [enrollment_evidence(e) for e in [tekun, *others]], "reasons": reasons}
        flags.append(Flag(DUPLICATE_BENEFIT, tekun.township_id, tekun.household_id, member_id, "", "", evidence))
    return flags


@dataclass(frozen=True, slots=True)
class CovidCase:
    """Someone in hospital with COVID during the month, by the list (``record``) or the roll."""

    source: str
    admitted: date | None
    discharged: date | None
    record: ListRecord | None = None

    def evidence(self, groups: list[str]) -> dict[str, Any]:
        return {
            "source": self.source,
            "covid_admitted": _iso(self.admitted),
            "covid_discharged": _iso(self.discharged),
            "groups": groups,
            "covid_relief": None,
        }


def in_hospital(month: date, last_day: date, admitted: date | None, discharged: date | None) -> bool:
    """Admitted by the month's last day and not discharged before its first."""
    return bool(admitted and admitted <= last_day and (discharged is None or discharged >= month))


def relief_covers(enrollment: EnrollmentRow, month: date) -> bool:
    """A 新冠患者临时救助 enrollment, past applying, started by ``month`` and not ended before it."""
    return (
        enrollment.status != "applying"
        and enrollment.start_month <= month
        and (enrollment.end_month is None or enrollment.end_month >= month)
    )


def covid_no_relief(inputs: Inputs) -> list[Flag]:
    """``COVID_NO_RELIEF`` (policy.md §11; §7 COVID-19 rule; §15 困境儿童 read as in the evaluator): a person on
    the COVID list (first row per person), or a member recorded as confirmed, in hospital during the month, who
    is a 低保 household member, on 特困, in the registry, or a child in difficulty (孤儿/事实无人抚养: child status
    or orphan allowance), without a 新冠患者临时救助 enrollment covering the month. A listed person not in the
    roll counts by the registry alone."""
    month, last_day = inputs.month, inputs.last_day
    cases: dict[int | str, CovidCase] = {}
    for record in inputs.covid_patients:
        if in_hospital(month, last_day, record.covid_admitted, record.covid_discharged):
            source = f"新冠肺炎患者名单第{record.row_number}行"
            case = CovidCase(source, record.covid_admitted, record.covid_discharged, record)
            cases.setdefault(record.member_id or record.id_number, case)
    for member_id, (admitted, discharged) in inputs.covid_confirmed.items():
        if in_hospital(month, last_day, admitted, discharged):
            cases.setdefault(member_id, CovidCase("在册成员登记为新冠确诊", admitted, discharged))
    relief = {e.member_id for e in inputs.covid_relief if relief_covers(e, month)}
    open_, status = inputs.open_enrollments, inputs.registry_status

    flags = []
    for key, case in cases.items():
        if isinstance(key, str):  # not in the roll: only the registry says who they are
            if status.get(key) and case.record is not None:
                evidence = case.evidence([f"建档立卡（{status[key]}）"])
                flags.append(
                    Flag(COVID_NO_RELIEF, case.record.township_id, None, None, key, case.record.name, evidence)
                )
            continue
        person = inputs.person(key)
        if person is None:
            continue
        benefits = open_.benefits(key)
        groups = []
        if person.household_id in open_.dibao:
            groups.append("低保家庭成员")
        if "tekun" in benefits:
            groups.append("特困供养人员")
        if status.get(person.id_number):
            groups.append(f"建档立卡（{status[person.id_number]}）")
        if key in inputs.children or "orphan_allowance" in benefits:
            groups.append("困境儿童")
        if not groups or key in relief:
            continue
        flags.append(
            Flag(
                COVID_NO_RELIEF,
                person.township_id,
                person.household_id,
                key,
                person.id_number,
                person.name,
                case.evidence(groups),
            )
        )
    return flags


def deceased_still_paid(inputs: Inputs) -> list[Flag]:
    """``DECEASED_STILL_PAID`` (the comparison's own addition to policy.md §11, with the 死亡人员 list; §14 pays
    monthly): a person on the death list (first row per person) or a member with a date of death, dead by the
    month's last day, with an open enrollment whose end month is empty or after the month of death."""
    deaths: dict[int, tuple[str, date]] = {}
    for record in inputs.deaths:
        if record.member_id and record.date_of_death and record.date_of_death <= inputs.last_day:
            deaths.setdefault(record.member_id, (f"死亡人员名单第{record.row_number}行", record.date_of_death))
    for member_id, died in inputs.dead_members.items():
        if died <= inputs.last_day:
            deaths.setdefault(member_id, ("在册成员登记死亡", died))
    paid: dict[int, list[EnrollmentRow]] = defaultdict(list)
    for row in inputs.enrollments_of_dead:
        if row.member_id in deaths:
            died = deaths[row.member_id][1]
            if row.end_month is None or row.end_month > died.replace(day=1):
                paid[row.member_id].append(row)
    flags = []
    for member_id, rows in sorted(paid.items()):
        person = inputs.person(member_id)
        if person is None:
            continue
        source, died = deaths[member_id]
        evidence = {
            "source": source,
            "date_of_death": _iso(died),
            "enrollments": [enrollment_evidence(r) for r in rows],
        }
        flags.append(
            Flag(
                DECEASED_STILL_PAID,
                person.township_id,
                person.household_id,
                member_id,
                person.id_number,
                person.name,
                evidence,
            )
        )
    return flags


def jdlk_entry_check(inputs: Inputs) -> list[Flag]:
    """``JDLK_ENTRY_CHECK`` (the seed: 每月新增的兜底贫困对象与退出兜底的贫困对象要通过信息比对; policy.md §11): a
    registry household or person entering 低保 (or 单人户施保) or 特困 this month whom the registry contradicts —
    a new 低保 household whose rows all say 一般贫困户 or 特困供养贫困户, a new 特困 person whose row says 低保贫困户
    or 一般贫困户."""
    open_ = inputs.open_enrollments
    flags = []
    for household_id, rows in inputs.household_rows.items():
        attributes = {r.poverty_attribute for r in rows if r.poverty_attribute}
        new_dibao = [
            e
            for e in (open_.dibao.get(household_id), open_.single.get(household_id))
            if e and e.start_month == inputs.month
        ]
        if new_dibao and attributes and DIBAO_ATTRIBUTE not in attributes:
            first = rows[0]
            evidence: dict[str, Any] = {
                "registry": [registry_evidence(r) for r in rows],
                "enrollments": [enrollment_evidence(e) for e in new_dibao],
                "reasons": [f"本月新纳入低保，但建档立卡为{'、'.join(sorted(attributes))}"],
            }
            flags.append(
                Flag(JDLK_ENTRY_CHECK, first.township, household_id, None, first.id_number, first.name, evidence)
            )
        for row in rows:
            tekun = open_.benefits(row.member_id).get("tekun") if row.member_id else None
            if tekun is None or tekun.start_month != inputs.month or not row.poverty_attribute:
                continue
            if row.poverty_attribute != TEKUN_ATTRIBUTE:
                evidence = {
                    "registry": [registry_evidence(row)],
                    "enrollments": [enrollment_evidence(tekun)],
                    "reasons": [f"本月新纳入特困供养，但建档立卡为{row.poverty_attribute}"],
                }
                flags.append(
                    Flag(JDLK_ENTRY_CHECK, row.township, household_id, row.member_id, row.id_number, row.name, evidence)
                )
    return flags


def roll_fact_mismatch(inputs: Inputs) -> list[Flag]:
    """``ROLL_FACT_MISMATCH`` (policy.md §2: the imported rolls decide the facts they carry for the people on them,
    so the decisions already follow the roll): a member whose caseworker entry says otherwise than a roll — the
    registry status (once a registry is in force; the strongest of the person's rows; an entry left at 非建档立卡
    is not a disagreement), a COVID-19 stay, a date of death, a severe disability — one flag per member with every
    difference, both values and the roll's row."""
    differences: dict[int, list[str]] = defaultdict(list)
    if inputs.registry_imported:
        status: dict[int, tuple[str, int]] = {}
        for row in inputs.registry:
            if row.member_id is not None and row.id_valid:
                found = status.get(row.member_id)
                strongest = strongest_status((row.registry_status, found[0] if found else "none"))
                status[row.member_id] = (strongest, found[1] if found else row.row_number)
        for member_id, (roll, row_number) in status.items():
            recorded = inputs.recorded.get(member_id)
            # an entry left at 非建档立卡 asserts nothing once the registry decides: only a recorded status counts
            if recorded is not None and recorded.poverty_status not in ("none", roll):
                differences[member_id].append(
                    f"建档立卡状态：名单（第{row_number}行）为{STATUS_LABELS.get(roll, roll)}，"
                    f"登记为{STATUS_LABELS.get(recorded.poverty_status, recorded.poverty_status)}"
                )
    for member_id, record, recorded in _first_matched(inputs.covid_patients, inputs.recorded):
        stay = (record.covid_admitted, record.covid_discharged)
        if recorded.covid != stay:
            differences[member_id].append(
                f"新冠住院：名单（第{record.row_number}行）为{_stay(stay)}，登记为{_stay(recorded.covid)}"
            )
    for member_id, record, recorded in _first_matched(inputs.deaths, inputs.recorded):
        if recorded.date_of_death != record.date_of_death:
            differences[member_id].append(
                f"死亡日期：名单（第{record.row_number}行）为{_iso(record.date_of_death) or '—'}，"
                f"登记为{_iso(recorded.date_of_death) or '未登记'}"
            )
    for member_id, record, recorded in _first_matched(inputs.severe_disability, inputs.recorded):
        roll_disability = (record.disability_category, record.disability_grade)
        if record.disability_grade and recorded.disability != roll_disability:
            differences[member_id].append(
                f"残疾：名单（第{record.row_number}行）为{_disability(roll_disability)}，"
                f"登记为{_disability(recorded.disability)}"
            )
    flags = []
    for member_id, reasons in sorted(differences.items()):
        person = inputs.person(member_id)
        if person is None:
            continue
        flags.append(
            Flag(
                ROLL_FACT_MISMATCH,
                person.township_id,
                person.household_id,
                member_id,
                person.id_number,
                person.name,
                {"reasons": reasons},
            )
        )
    return flags


def _first_matched(
    records: Iterable[ListRecord], recorded: Mapping[int, Recorded]
) -> Iterable[tuple[int, ListRecord, Recorded]]:
    """Each matched member's first row of a list, with what the caseworker recorded on them."""
    seen: set[int] = set()
    for record in records:
        member_id = record.member_id
        if member_id is None or member_id in seen or member_id not in recorded:
            continue
        seen.add(member_id)
        yield member_id, record, recorded[member_id]


def _stay(stay: tuple[date | None, date | None] | None) -> str:
    admitted, discharged = stay or (None, None)
    if admitted is None:
        return "未登记"
    return f"{admitted.isoformat()} 入院，{f'{discharged.isoformat()} 出院' if discharged else '尚未出院'}"


def _disability(disability: tuple[str, int | None] | None) -> str:
    if disability is None:
        return "未登记"
    category, grade = disability
    return f"{DISABILITY_LABELS.get(category, category)}{grade}级"


RULES: tuple[Callable[[Inputs], list[Flag]], ...] = (
    id_and_name,
    jdlk_not_covered,
    jdlk_exit_check,
    candidates,
    attribute_mismatch,
    duplicate_benefit,
    covid_no_relief,
    deceased_still_paid,
    jdlk_entry_check,
    roll_fact_mismatch,
)


def all_flags(inputs: Inputs) -> list[Flag]:
    """Every flag of the month (policy.md §11), in ``RULES`` order with findings of the same key merged; a flag
    without the person's number and name gets them from the registry or the roll. Only flags placed in a township
    (the inputs' township, when given) are returned."""
    found = Collector()
    for rule in RULES:
        for flag in rule(inputs):
            found.add(flag)
    result = []
    for flag in found.flags.values():
        person = inputs.person(flag.member_id) if flag.member_id and not flag.id_number else None
        if person is not None:
            flag.id_number, flag.name = person.id_number, person.name
        if flag.township_id is None or (inputs.township_id is not None and flag.township_id != inputs.township_id):
            continue
        result.append(flag)
    return result
