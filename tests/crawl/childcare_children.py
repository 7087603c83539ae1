"""The crawler's objects of childcare_children (see ``tests/crawl/__init__.py``): the side's child on the
left-behind ledger (its guardian under 18, so a guardianship case is open) with a visit, an orphan's case with a
pending annual review, and the township's alerts."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.utils import timezone

PK_OBJECT: dict[str, str] = {
    "childcare-child": "lb_child",
    "api-childcare-child": "lb_child",
    "api-childcare-visit": "child_visit",
    "childcare-guardianship": "guardianship_case",
    "api-childcare-guardianship": "guardianship_case",
    "childcare-case": "child_case",
    "api-childcare-case": "child_case",
    "childcare-step": "child_case_step",
    "api-childcare-alert": "child_alert",
}


def build(side: SimpleNamespace, actor, reviewer) -> None:
    """Create this area's objects for the township of ``side``."""
    from childcare import alerts
    from childcare.models import ChildAlert
    from childcare.services import children as services
    from core.months import this_month
    from tests.helpers import make_member

    tag = side.tag
    phone = "13800138001" if tag == "甲" else "13800138002"
    side.lb_child = services.save_child(
        actor=actor,
        member=side.child,
        data={
            "guardian_name": f"{tag}标记监护人",
            "guardian_age": 16,
            "school": f"{tag}标记小学",
            "responsible_name": f"{tag}标记责任人",
            "responsible_phone": phone,
        },
    )
    side.guardianship_case = side.lb_child.guardianship_cases.get()
    side.child_visit = services.record_visit(
        actor=actor,
        child=side.lb_child,
        data={"visited_on": timezone.localdate(), "visitor": "张干部", "findings": f"{tag}标记探访情况"},
    )
    orphan = make_member(actor, side.household, name=f"{tag}标记孤儿", relation="grandchild", born=date(2014, 6, 1))
    side.child_case = services.open_case(
        actor=actor,
        member=orphan,
        data={
            "category": "orphan",
            "father_basis": "dead",
            "father_evidence": "death",
            "father_evidence_ref": f"{tag}标记死亡证明",
            "mother_basis": "dead",
            "mother_evidence": "death",
            "mother_evidence_ref": f"{tag}标记死亡证明2",
        },
    )
    side.child_case_step = services.prepare_step(
        actor=actor, case=side.child_case, kind="review", on=timezone.localdate(), findings=f"{tag}标记复核情况"
    )
    alerts.run(township_id=side.township.pk, month=this_month())
    side.child_alert = ChildAlert.objects.filter(township=side.township).order_by("pk").first()
    side.markers += [
        f"{tag}标记监护人",
        f"{tag}标记小学",
        f"{tag}标记孤儿",
        f"{tag}标记探访情况",
        f"{tag}标记复核情况",
        orphan.id_number,
    ]
    side.secrets += [orphan.id_number, phone]
