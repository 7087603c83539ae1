"""Small builders shared by tests (through the services, so what tests build is what users build)."""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from celery.contrib.testing.worker import start_worker
from django.core.files.base import ContentFile
from openpyxl import Workbook

from assistance import enrollments
from assistance.amounts import first_amount
from assistance.models import Enrollment, JobRun, TemporaryCase
from cases import services
from cases.models import Application, Household, Member, RollImport, User, Village
from config.celery import app
from core import idnumber
from payments.models import Overpayment

_sequence = itertools.count(100)


def valid_id(born: date = date(1980, 5, 1), region: str = "500243", male: bool = True) -> str:
    """A valid 18-character ID number, different at every call."""
    seq = (next(_sequence) * 2 + (1 if male else 0)) % 1000
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_char(first17)


def make_household(actor: User, village: Village | None = None, **data: Any) -> Household:
    village = village or Village.objects.filter(township=actor.township).first()
    assert village is not None, "no village for the actor's township"
    defaults = {"village": village, "number": "", "address": "测试地址1号", "area_type": "rural", "phone": ""}
    return services.save_household(actor=actor, data={**defaults, **data})


def make_member(actor: User, household: Household, **data: Any) -> Member:
    defaults: dict[str, Any] = {"name": "测试成员", "relation": "head"}
    if "id_number" not in data:
        defaults["id_number"] = valid_id(data.pop("born", date(1980, 5, 1)))
    return services.save_member(actor=actor, household=household, data={**defaults, **data})


def enroll(
    household: Household, benefit: str = "dibao", amount: str = "300", member: Member | None = None, **fields: Any
) -> Enrollment:
    """An enrollment of ``household`` in its own township from January 2020, active unless ``fields`` say otherwise,
    with its first dated amount."""
    fields.setdefault("start_month", date(2020, 1, 1))
    fields.setdefault("township_id", household.township_id)
    enrollment = Enrollment.objects.create(
        benefit=benefit, household=household, member=member, monthly_amount=Decimal(amount), **fields
    )
    first_amount(enrollment).save()
    return enrollment


def make_temporary_case(household: Household, member: Member, actor: User, **fields: Any) -> TemporaryCase:
    """A township-level 临时救助 case of 800 元 after a fire in 2020, registered by ``actor`` unless ``fields`` say
    otherwise."""
    case = {"kind": "emergency", "cause": "fire", "description": "火灾", "amount": Decimal("800.00"), "year": 2020}
    case = {**case, "level": "township", **fields}
    return TemporaryCase.objects.create(
        township=household.township, household=household, member=member, created_by=actor, **case
    )


def make_overpayment(
    township: Any, household: Household, name: str, key: str, paid: str = "528.00", due: str = "496.00", **fields: Any
) -> Overpayment:
    """An open overpayment of 低保 in October 2020 (``paid`` where ``due`` was due), the back-pay run's ``key``."""
    money = {"paid_amount": Decimal(paid), "due_amount": Decimal(due), "amount": Decimal(paid) - Decimal(due)}
    fields = {"benefit": "dibao", "month": date(2020, 10, 1), "reason": Overpayment.RECOMPUTED_LOWER, **money, **fields}
    return Overpayment.objects.create(township=township, household=household, name=name, source_key=key, **fields)


def make_roll_import(actor: User, filename: str) -> RollImport:
    """The current 建档立卡 roll, imported by ``actor``; its stored file a stub named ``filename``, with no rows."""
    stored = {
        "file": ContentFile(b"id,name\n", name=filename),
        "file_sha256": "0" * 64,
        "original_name": "建档立卡.xlsx",
    }
    return RollImport.objects.create(kind="poverty_registry", imported_by=actor, is_current=True, **stored)


def workbook_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """An .xlsx file whose one sheet holds ``rows``, one a line, from the first line."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_on_a_worker(start: Callable[[], JobRun]) -> JobRun:
    """The job run that ``start`` starts, executed by a real Celery worker (solo pool, through Redis) and waited for
    (a minute at most) until it is done or failed."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        run = start()
        for _ in range(600):
            run.refresh_from_db()
            if run.status in ("done", "failed"):
                break
            time.sleep(0.1)
    return run


def receive(actor: User, household: Household, **fields: Any) -> Any:
    """An application received at the window: 低保 for the household, a reason, the signed authorisation, unless
    ``fields`` say otherwise."""
    defaults = {"benefits": [("dibao", None)], "reason": "因病致贫", "authorization_signed": True}
    return services.receive_application(actor=actor, household=household, **{**defaults, **fields})


def approve_application(users: dict[str, User], household: Household, benefits: list[Any], **received: Any) -> Any:
    """An application for ``benefits`` taken through every step to the county's approval (which enrolls it):
    received by the caseworker, investigated, publicity ended, approved by the township reviewer and the county."""
    application = services.receive_application(
        actor=users["caseworker"],
        household=household,
        benefits=benefits,
        **({"reason": "困难", "authorization_signed": True} | received),
    )
    services.transition(
        actor=users["caseworker"],
        application=application,
        action="investigate",
        data={"visited_on": application.received_on, "investigator_1": "甲", "investigator_2": "乙", "findings": "实"},
    )
    Application.objects.filter(pk=application.pk).update(publicity_to=date(2000, 1, 1))
    services.transition(actor=users["caseworker"], application=application, action="end_publicity")
    services.transition(actor=users["reviewer"], application=application, action="township_approve")
    return enrollments.act_on_application(actor=users["county_staff"], application=application, action="county_approve")
