"""Small builders shared by tests (through the services, so what tests build is what users build)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from assistance.models import Enrollment
from cases import services
from cases.models import Household, Member, User, Village
from core import idnumber

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
    """An enrollment of ``household`` in its own township from January 2020, active unless ``fields`` say otherwise."""
    fields.setdefault("start_month", date(2020, 1, 1))
    fields.setdefault("township_id", household.township_id)
    return Enrollment.objects.create(
        benefit=benefit, household=household, member=member, monthly_amount=Decimal(amount), **fields
    )


def workbook_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """An .xlsx file whose one sheet holds ``rows``, one a line, from the first line."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
