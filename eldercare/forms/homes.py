"""Forms of the homes pages: a home, a residence (the person by ID number) and its end, a staff member and their
leaving, a certificate, a duty shift, a duty log, a patrol, and the list's filters. The services validate again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cases.forms import DATE_INPUT, StyledForm
from core.validators import GuardedForm, validate_not_future
from eldercare.models import Certificate, NursingHome, Residence, Staff

TEXTAREA = forms.Textarea(attrs={"rows": 3})
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class HomeFilterForm(GuardedForm, StyledForm):
    q = forms.CharField(label="名称或地址", required=False, max_length=64)
    township = forms.TypedChoiceField(label="乡镇", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *NursingHome.Status.choices])

    def __init__(self, *args: Any, townships: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "全部乡镇"), *((t.pk, t.name) for t in townships)]


class HomeForm(GuardedForm, StyledForm):
    name = forms.CharField(label="名称", max_length=64)
    kind = forms.ChoiceField(label="类型", choices=NursingHome.Kind.choices)
    township = forms.TypedChoiceField(label="乡镇", required=False, coerce=int, empty_value=None)
    address = forms.CharField(label="地址", required=False, max_length=200)
    beds = forms.IntegerField(label="床位数", min_value=0, max_value=10000)
    status = forms.ChoiceField(label="状态", choices=NursingHome.Status.choices)
    phone = forms.CharField(label="联系电话", required=False, max_length=20)
    credit_code = forms.CharField(label="统一社会信用代码", required=False, max_length=18)
    bank_name = forms.CharField(label="开户银行", required=False, max_length=64)
    bank_account = forms.CharField(
        label="银行账号", required=False, max_length=32, help_text="集中供养特困人员的供养金打入此账户。"
    )

    def __init__(self, *args: Any, townships: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "（县级供养机构不选）"), *((t.pk, t.name) for t in townships)]


class ResidenceForm(GuardedForm, StyledForm):
    id_number = forms.CharField(label="入住人员身份证号", max_length=18)
    kind = forms.ChoiceField(label="入住类型", choices=Residence.Kind.choices)
    start = forms.DateField(label="入住日期", widget=DATE_INPUT, validators=[validate_not_future])
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = timezone.localdate()


class ResidenceEndForm(GuardedForm, StyledForm):
    end = forms.DateField(label="离院日期", widget=DATE_INPUT, validators=[validate_not_future])
    end_reason = forms.CharField(label="离院原因", max_length=100)


class StaffForm(GuardedForm, StyledForm):
    name = forms.CharField(label="姓名", max_length=32)
    id_number = forms.CharField(label="身份证号", required=False, max_length=18)
    phone = forms.CharField(label="联系电话", required=False, max_length=20)
    position = forms.ChoiceField(label="岗位", choices=Staff.Position.choices)
    employment = forms.ChoiceField(label="用工性质", choices=Staff.Employment.choices)
    hired_on = forms.DateField(label="入职日期", widget=DATE_INPUT, validators=[validate_not_future])


class StaffEndForm(GuardedForm, StyledForm):
    left_on = forms.DateField(label="离职日期", widget=DATE_INPUT)
    reason = forms.CharField(label="离职原因", required=False, max_length=100)


class CertificateForm(GuardedForm, StyledForm):
    kind = forms.ChoiceField(label="证书类别", choices=Certificate.Kind.choices)
    title = forms.CharField(label="证书名称", required=False, max_length=64, help_text="“其他证书”须填写名称。")
    number = forms.CharField(label="证书编号", max_length=64)
    issuer = forms.CharField(label="发证机关", max_length=100)
    issued_on = forms.DateField(label="发证日期", widget=DATE_INPUT, validators=[validate_not_future])
    expires_on = forms.DateField(label="有效期至", required=False, widget=DATE_INPUT, help_text="长期有效可不填。")


class StaffChoiceForm(GuardedForm, StyledForm):
    """A form with a ``staff`` choice among the given people."""

    staff = forms.ModelChoiceField(label="人员", queryset=Staff.objects.none())

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["staff"].queryset = people
        self.fields["staff"].label_from_instance = lambda s: f"{s.name}（{s.get_position_display()}）"


class ShiftForm(StaffChoiceForm):
    day = forms.DateField(label="值班日期", widget=DATE_INPUT)
    start = forms.TimeField(label="开始时间", widget=TIME_INPUT)
    end = forms.TimeField(label="结束时间", widget=TIME_INPUT)
    overnight = forms.BooleanField(label="次日结束（跨夜值班）", required=False)
    note = forms.CharField(label="备注", required=False, max_length=200)

    field_order = ["day", "staff", "start", "end", "overnight", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].label = "值班人员"
        self.fields["staff"].help_text = "只能安排院长/管理人员或护理员值班。"


class DutyLogForm(StaffChoiceForm):
    day = forms.DateField(label="日期", widget=DATE_INPUT, validators=[validate_not_future])
    handover = forms.CharField(label="交接班记录", max_length=2000, widget=TEXTAREA)

    field_order = ["day", "staff", "handover"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].label = "记录人"
        self.fields["staff"].required = False
        self.fields["day"].initial = timezone.localdate()


class PatrolForm(StaffChoiceForm):
    at = forms.DateTimeField(
        label="巡查时间", widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    areas = forms.CharField(label="巡查区域", max_length=200)
    findings = forms.CharField(label="发现情况", required=False, max_length=2000, widget=TEXTAREA)

    field_order = ["at", "staff", "areas", "findings"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].label = "巡查人"

    def clean_at(self) -> Any:
        at = self.cleaned_data["at"]
        if at > timezone.now():
            raise forms.ValidationError("巡查时间不能晚于现在。")
        if at.year < 1990:
            raise forms.ValidationError("巡查时间不正确。")
        return at
