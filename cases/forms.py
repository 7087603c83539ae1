from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache

from cases import selectors
from cases.models import Application, AssetRecord, Expenditure, Household, IncomeItem, Member, Referral, User
from cases.models.intake import PERSONAL_BENEFITS, Benefit
from cases.services import AMOUNT_BASES, AMOUNT_MONTHLY
from core.validators import GuardedForm, reject_formula_start, validate_not_future


def _client_address(request) -> str:  # type: ignore[no-untyped-def]
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


class ThrottledLoginForm(GuardedForm, AuthenticationForm):
    """Login that slows down guessing: after LOGIN_FAILURE_LIMIT failures for one username from one address
    within LOGIN_FAILURE_WINDOW_S seconds, further attempts are refused until the window has passed."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确，请重新输入（注意区分大小写）。",
        "inactive": "该账号已停用，请联系县民政局。",
        "throttled": "登录失败次数过多，请 %(minutes)d 分钟后再试。",
    }

    def _failure_key(self) -> str:
        username = (self.data.get("username") or "").strip().lower()
        return f"login-failures:{username}:{_client_address(self.request)}"

    def clean(self):  # type: ignore[no-untyped-def]
        key = self._failure_key()
        if cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW_S // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_S) is False:
                cache.incr(key)
            raise
        cache.delete(key)
        return cleaned


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget. Each concrete form adds ``GuardedForm`` first in its bases."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-control")


class StyledModelForm(StyledForm, forms.ModelForm):
    """Parses input only: the service validates the whole object (model rules, uniqueness, scope) and its
    ValidationError is put back on the form's fields by the view."""

    def _post_clean(self) -> None:
        pass


class HouseholdForm(GuardedForm, StyledModelForm):
    class Meta:
        model = Household
        fields = ["village", "number", "address", "area_type", "phone"]
        help_texts = {"number": "留空则自动编号。"}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = selectors.visible_villages(user)
        self.fields["number"].required = False


MEMBER_FIELDSETS: tuple[tuple[str, list[str]], ...] = (
    (
        "身份",
        [
            *("name", "id_number", "relation", "ethnicity", "phone", "co_resident", "not_counted_reason"),
            *("identity_override_reason", "birth_date", "sex", "poverty_status"),
        ],
    ),
    (
        "劳动与健康",
        [
            *("work_capacity", "employed", "schooling", "disability_category", "disability_grade"),
            *("disability_certificate", "major_illness", *Member.SELF_CARE_FIELDS),
        ],
    ),
    (
        "特殊群体",
        [
            *("able_supporter", "child_status", "left_behind_elderly", "left_behind_child", "left_behind_woman"),
            *("covid_confirmed", "covid_admitted", "covid_discharged"),
        ],
    ),
    ("领取与账户", ["bank_name", "bank_account", "payee_kind", "payee_name", "payee_id_number"]),
)


EVENT_DATES = ("covid_admitted", "covid_discharged")
WORK_CAPACITY_BY_AGE = "按年龄（未满 16 周岁为无劳动能力；60 周岁及以上须选择）"
FORMULA_SAFE = ("bank_name", "payee_name")


class MemberForm(GuardedForm, StyledModelForm):
    class Meta:
        model = Member
        fields = [name for _, names in MEMBER_FIELDSETS for name in names]
        widgets = {
            "birth_date": DATE_INPUT,
            "covid_admitted": DATE_INPUT,
            "covid_discharged": DATE_INPUT,
        }
        help_texts = {
            "birth_date": "仅在填写更正说明时使用；否则按身份证号推算。",
            Member.SELF_CARE_FIELDS[0]: "生活自理能力：以下各项勾选不能完成的项目。",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["major_illness"].queryset = self.fields["major_illness"].queryset.filter(active=True)
        for name in ("birth_date", "sex"):
            self.fields[name].required = False
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        for name in EVENT_DATES:  # things that have happened
            self.fields[name].validators.append(validate_not_future)
        for name in FORMULA_SAFE:  # written as they are into the bank file
            self.fields[name].validators.append(reject_formula_start)
        if self.instance.pk is None:  # nothing pre-ticked that the caseworker must assert
            self.initial["able_supporter"] = False
            capacity = self.fields["work_capacity"]
            capacity.required = False
            capacity.choices = [("", WORK_CAPACITY_BY_AGE), *Member.WorkCapacity.choices]
            self.initial["work_capacity"] = ""

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in MEMBER_FIELDSETS]


class IncomeForm(GuardedForm, StyledModelForm):
    amount_basis = forms.ChoiceField(
        label="金额口径",
        choices=AMOUNT_BASES,
        initial=AMOUNT_MONTHLY,
        required=False,
        help_text="回溯期合计：填写收入计算期内的总收入，保存时除以收入计算期月数（按起始日期生效的参数），四舍五入到分。",
    )

    class Meta:
        model = IncomeItem
        fields = ["member", "kind", "monthly_amount", "valid_from", "valid_to", "evidence", "note"]
        widgets = {"valid_from": DATE_INPUT, "valid_to": DATE_INPUT}
        help_texts = {"monthly_amount": "按“金额口径”填写：月收入，或回溯期合计。"}
        labels = {"monthly_amount": "金额（元）"}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(active=True)
        if "amount_basis" in self.fields:
            self.order_fields(["member", "kind", "amount_basis", "monthly_amount"])

    def clean_amount_basis(self) -> str:
        return self.cleaned_data.get("amount_basis") or AMOUNT_MONTHLY


class ExpenditureForm(IncomeForm):
    amount_basis = None  # type: ignore[assignment]  # expenditures are entered as monthly amounts

    class Meta(IncomeForm.Meta):
        model = Expenditure
        help_texts = {"monthly_amount": "扣除医保报销和医疗救助后的自付部分，按月计算。"}
        labels: dict[str, str] = {}


class AssetForm(GuardedForm, StyledModelForm):
    class Meta:
        model = AssetRecord
        fields = [
            "financial",
            "vehicles",
            "shop_front",
            "enterprise",
            "dwellings",
            "housing_area_multiple",
            "valid_from",
            "valid_to",
            "evidence",
            "note",
        ]
        widgets = {"valid_from": DATE_INPUT, "valid_to": DATE_INPUT}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


FACT_FORMS: dict[str, tuple[type[forms.ModelForm], str]] = {
    "income": (IncomeForm, "收入"),
    "expenditure": (ExpenditureForm, "刚性支出"),
    "asset": (AssetForm, "家庭财产"),
}


class EndFactForm(GuardedForm, StyledForm):
    valid_to = forms.DateField(label="终止日期", widget=DATE_INPUT, help_text="该项自此日后不再计入。")


class ApplicationForm(GuardedForm, StyledForm):
    household_benefits = forms.MultipleChoiceField(
        label="家庭救助项目",
        required=False,
        choices=[(b.value, b.label) for b in Benefit if b not in PERSONAL_BENEFITS],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(label="申请事由", widget=forms.Textarea(attrs={"rows": 3}))
    authorization_signed = forms.BooleanField(label="申请人已签署家庭经济状况核对授权书", required=False)
    authorization_date = forms.DateField(
        label="授权书签署日期", required=False, widget=DATE_INPUT, validators=[validate_not_future]
    )
    authorization_file = forms.FileField(label="授权书扫描件", required=False)
    epidemic_fast_track = forms.BooleanField(label="疫情期间限时审批", required=False)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = list(household.members.filter(active=True).order_by("id"))
        choices = [(str(m.pk), m.name) for m in self.members]
        for benefit in sorted(PERSONAL_BENEFITS):
            self.fields[f"personal_{benefit}"] = forms.MultipleChoiceField(
                label=Benefit(benefit).label,
                required=False,
                choices=choices,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            )

    def personal_fields(self) -> list[forms.BoundField]:
        return [self[f"personal_{benefit}"] for benefit in sorted(PERSONAL_BENEFITS)]

    def benefit_groups(self) -> list[forms.BoundField]:
        """The household's programmes, then each personal programme with the members it may be for."""
        return [self["household_benefits"], *self.personal_fields()]

    def clean(self) -> dict[str, Any]:
        """Every missing piece at once (the service checks the same again)."""
        cleaned = super().clean() or {}
        if not any(cleaned.get(field.name) for field in self.benefit_groups()) and not any(
            field.name in self.errors for field in self.benefit_groups()
        ):
            self.add_error(None, "请至少选择一个救助项目。")
        if not cleaned.get("authorization_signed"):
            self.add_error("authorization_signed", "须由申请人签署家庭经济状况核对授权书后方可受理。")
        return cleaned

    def benefits(self) -> list[tuple[str, Member | None]]:
        by_id = {str(m.pk): m for m in self.members}
        chosen: list[tuple[str, Member | None]] = [(b, None) for b in self.cleaned_data["household_benefits"]]
        for benefit in sorted(PERSONAL_BENEFITS):
            chosen += [(benefit, by_id[pk]) for pk in self.cleaned_data[f"personal_{benefit}"]]
        return chosen


class ApplicationQueueFilterForm(GuardedForm, forms.Form):
    """The 申请办理 queue's search and filters (GET). A value that does not parse is an error on its field (the
    page shows it and leaves that filter out)."""

    q = forms.CharField(label="户编号、申请人姓名或身份证号", required=False, max_length=40)
    status = forms.CharField(label="状态", required=False, max_length=16)
    overdue = forms.CharField(label="已超期", required=False, max_length=1)

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q", "")).strip()

    def clean_status(self) -> str:
        status = self.cleaned_data.get("status", "")
        if status and status not in Application.Status.values:
            raise forms.ValidationError("没有该状态。", code="invalid")
        return str(status)

    def clean_overdue(self) -> bool:
        value = self.cleaned_data.get("overdue", "")
        if value not in ("", "1"):
            raise forms.ValidationError("应为 1 或不填。", code="invalid")
        return value == "1"


class TransitionForm(GuardedForm, StyledForm):
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, application: Application | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application


class InvestigationForm(TransitionForm):
    visited_on = forms.DateField(label="调查日期", widget=DATE_INPUT, validators=[validate_not_future])
    investigator_1 = forms.CharField(label="调查人一", max_length=32)
    investigator_2 = forms.CharField(label="调查人二", max_length=32)
    findings = forms.CharField(label="调查情况", widget=forms.Textarea(attrs={"rows": 5}))
    attachments = forms.FileField(label="附件", required=False)

    def clean_visited_on(self) -> date:
        """No visit in the future (the field's validator) nor before the application was received."""
        visited_on: date = self.cleaned_data["visited_on"]
        if self.application is not None and visited_on < self.application.received_on:
            raise forms.ValidationError(
                f"调查日期不能早于受理日期（{self.application.received_on:%Y-%m-%d}）。", code="before_receipt"
            )
        return visited_on


class PublicityForm(TransitionForm):
    objections = forms.CharField(label="评议/公示异议及处理", required=False, widget=forms.Textarea(attrs={"rows": 3}))


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {"investigate": InvestigationForm, "end_publicity": PublicityForm}


class ReferralForm(GuardedForm, StyledModelForm):
    class Meta:
        model = Referral
        fields = ["office", "due_date", "note"]
        widgets = {"due_date": DATE_INPUT}
