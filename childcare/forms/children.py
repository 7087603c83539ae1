"""Forms of the children's pages: a ledger row, a visit, ending a row, a guardianship case's outcome, a case of an
orphan or de-facto unsupported child, a review or end and its decision. Checks of the rules are in the services."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from cases.forms import DATE_INPUT, StyledForm
from cases.models.people import phone_validator
from childcare.models import ChildCase, ChildCaseStep, ChildVisit, GuardianshipCase, LeftBehindChild
from childcare.models.children import Capacity, Evidence, ParentBasis, ParentSituation
from core.validators import GuardedForm, validate_not_future


def _text(label: str, max_length: int, required: bool = False, **kwargs: object) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required, **kwargs)  # type: ignore[arg-type]


class MemberPickForm(GuardedForm, StyledForm):
    q = _text("儿童姓名或身份证号", 32, required=True)


class ChildForm(GuardedForm, StyledForm):
    start = forms.DateField(label="纳入台账日期", required=False, widget=DATE_INPUT, validators=[validate_not_future])
    father_situation = forms.ChoiceField(label="父亲情况", choices=ParentSituation.choices)
    father_place = _text("父亲务工地", 100)
    mother_situation = forms.ChoiceField(label="母亲情况", choices=ParentSituation.choices)
    mother_place = _text("母亲务工地", 100)
    guardian_name = _text("监护人（受委托监护人）姓名", 32)
    guardian_relation = _text("监护人与儿童关系", 32)
    guardian_birth_date = forms.DateField(
        label="监护人出生日期", required=False, widget=DATE_INPUT, validators=[validate_not_future]
    )
    guardian_age = forms.IntegerField(
        label="监护人年龄", required=False, min_value=0, max_value=120, help_text="不知出生日期时填写。"
    )
    guardian_health = _text("监护人健康状况", 100)
    guardian_capacity = forms.ChoiceField(
        label="监护能力评估", choices=Capacity.choices, help_text="监护人未满18周岁的，按无监护能力登记并立案。"
    )
    entrusted = forms.BooleanField(label="受委托监护人（父母委托他人监护）", required=False)
    school = _text("就读学校", 100)
    responsible_name = _text("帮扶责任人", 32)
    responsible_post = _text("帮扶责任人职务", 64)
    responsible_phone = _text("帮扶责任人电话", 20, validators=[phone_validator])
    risks = _text("风险情况", 2000, widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def for_child(cls, data: object, child: LeftBehindChild | None) -> ChildForm:
        initial = {name: getattr(child, name) for name in cls.base_fields if child is not None}
        form = cls(data, initial=initial)
        if child is not None:
            del form.fields["start"]
        return form


class VisitForm(GuardedForm, StyledForm):
    visited_on = forms.DateField(label="探访日期", widget=DATE_INPUT, initial=timezone.localdate)
    visitor = _text("探访人", 32, required=True)
    way = forms.ChoiceField(label="探访方式", choices=ChildVisit.Way.choices)
    seen_in_person = forms.BooleanField(label="见到儿童本人", required=False, initial=True)
    findings = _text("探访情况", 2000, required=True, widget=forms.Textarea(attrs={"rows": 3}))
    needs = _text("需求", 500)
    follow_up = _text("后续跟进", 500)


class EndChildForm(GuardedForm, StyledForm):
    ended_on = forms.DateField(label="移出日期", widget=DATE_INPUT)
    end_reason = _text("移出原因", 200, required=True, help_text="如年满16周岁、父母返乡、迁出本乡镇。")


class ResolveGuardianshipForm(GuardedForm, StyledForm):
    outcome = forms.ChoiceField(label="办理结果", choices=[("", "请选择"), *GuardianshipCase.Outcome.choices[1:]])
    outcome_note = _text("办理说明", 500, required=True)


class CaseForm(GuardedForm, StyledForm):
    opened_on = forms.DateField(label="建档日期", required=False, widget=DATE_INPUT)
    category = forms.ChoiceField(label="类别", choices=ChildCase.Category.choices)
    father_basis = forms.ChoiceField(label="父亲情况", choices=ParentBasis.choices)
    father_evidence = forms.ChoiceField(label="父亲情况证明", choices=Evidence.choices, required=False)
    father_evidence_ref = _text("父亲证明文号", 100)
    mother_basis = forms.ChoiceField(label="母亲情况", choices=ParentBasis.choices)
    mother_evidence = forms.ChoiceField(label="母亲情况证明", choices=Evidence.choices, required=False)
    mother_evidence_ref = _text("母亲证明文号", 100)
    placement = forms.ChoiceField(label="养育方式", choices=ChildCase.Placement.choices)
    insured = forms.BooleanField(label="已参加民政惠民济困保", required=False)
    insurance_policy = _text("保单号", 40)
    insurer = _text("承保机构", 64)
    insurance_from = forms.DateField(label="保险起期", required=False, widget=DATE_INPUT)
    insurance_to = forms.DateField(label="保险止期", required=False, widget=DATE_INPUT)

    @classmethod
    def for_case(cls, data: object, case: ChildCase | None) -> CaseForm:
        initial = {name: getattr(case, name) for name in cls.base_fields if case is not None}
        form = cls(data, initial=initial)
        if case is not None:
            del form.fields["opened_on"]
        return form


class StepForm(GuardedForm, StyledForm):
    kind = forms.ChoiceField(label="事项", choices=ChildCaseStep.Kind.choices)
    on = forms.DateField(label="复核（终止）日期", widget=DATE_INPUT, validators=[validate_not_future])
    findings = _text("情况说明", 2000, required=True, widget=forms.Textarea(attrs={"rows": 3}))
    end_reason = _text("终止原因", 200, help_text="终止时填写：年满18周岁，或父母情况变化、不再符合条件。")


class DecideStepForm(GuardedForm, StyledForm):
    decision = forms.ChoiceField(label="审批", choices=[("approve", "批准"), ("return", "退回")])
    note = _text("审批意见", 500)
