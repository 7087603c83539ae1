"""Policy-parameter versions (policy.md §0): the service that adds and confirms them, the recompute marks of
retroactive versions, and the pages. Dates that depend on today are computed from timezone.localdate()."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pghistory.models
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assistance import selectors, services
from assistance.models import RecomputeMark
from assistance.policy.defaults import DEFAULT_PARAMETERS
from core import parameters
from core.models import PolicyParameter
from core.months import month_start, next_month, previous_month

pytestmark = pytest.mark.django_db

RURAL = "dibao.standard.rural"  # 410 from 2018-01-01, 440 from 2019-01-01, 496 from 2020-09-01, 515 from 2021-09-01
URBAN = "dibao.standard.urban"
DAY = timedelta(days=1)


def this_month() -> date:
    return month_start(timezone.localdate())


def months_back(n: int) -> date:
    month = this_month()
    for _ in range(n):
        month = previous_month(month)
    return month


def months_ahead(n: int) -> date:
    month = this_month()
    for _ in range(n):
        month = next_month(month)
    return month


def add(actor, key=RURAL, value="600", effective_from=None, **extra):
    fields = {"source": "渝民发〔2099〕1号", "confirmed": True, "note": "", **extra}
    return services.add_parameter_version(
        actor=actor, key=key, value=Decimal(value), effective_from=effective_from, **fields
    )


def periods(key: str) -> list[tuple[date, date | None, Decimal]]:
    return [(v.effective_from, v.effective_to, v.value) for v in selectors.parameter_history(key)]


def assert_chained(key: str) -> None:
    versions = list(selectors.parameter_history(key))
    for earlier, later in itertools.pairwise(versions):
        assert earlier.effective_to == later.effective_from - DAY, key
    assert versions[-1].effective_to is None, key


@pytest.fixture
def admin(users):
    return users["county_admin"]


# Month arithmetic ---------------------------------------------------------------------------------------------


def test_month_helpers():
    assert previous_month(date(2020, 1, 15)) == date(2019, 12, 1)
    assert next_month(date(2020, 1, 31)) == date(2020, 2, 1)
    assert next_month(date(2020, 12, 1)) == date(2021, 1, 1)
    today = date(2024, 5, 10)
    assert services.is_retroactive(date(2024, 4, 30), today)
    assert not services.is_retroactive(date(2024, 5, 1), today)
    assert services.months_to_recompute(date(2024, 2, 1), None, today) == (date(2024, 2, 1), date(2024, 4, 1))
    # a month's value is the one in force on its 1st: a mid-month start first decides the next month …
    assert services.months_to_recompute(date(2024, 2, 15), None, today) == (date(2024, 3, 1), date(2024, 4, 1))
    # … and a version ending mid-month still decides the month it ends in
    assert services.months_to_recompute(date(2024, 1, 1), date(2024, 2, 14), today) == (
        date(2024, 1, 1),
        date(2024, 2, 1),
    )
    assert services.months_to_recompute(date(2024, 1, 1), date(2024, 1, 31), today) == (
        date(2024, 1, 1),
        date(2024, 1, 1),
    )
    assert services.months_to_recompute(date(2024, 4, 15), None, today) is None
    assert services.months_to_recompute(date(2024, 5, 1), None, today) is None


# Inserting versions -------------------------------------------------------------------------------------------


def test_insert_at_the_end_in_the_future(admin):
    start = months_ahead(2)
    version = add(admin, effective_from=start)
    assert periods(RURAL)[-2:] == [
        (date(2021, 9, 1), start - DAY, Decimal("515")),
        (start, None, Decimal("600")),
    ]
    assert version.created_by == admin
    assert not RecomputeMark.objects.exists()
    assert_chained(RURAL)


def test_insert_in_the_middle(admin):
    add(admin, value="460", effective_from=date(2020, 1, 1), reason="补发2020年1月起提标差额")
    assert periods(RURAL) == [
        (date(2018, 1, 1), date(2018, 12, 31), Decimal("410")),
        (date(2019, 1, 1), date(2019, 12, 31), Decimal("440")),
        (date(2020, 1, 1), date(2020, 8, 31), Decimal("460")),
        (date(2020, 9, 1), date(2021, 8, 31), Decimal("496")),
        (date(2021, 9, 1), None, Decimal("515")),
    ]
    mark = RecomputeMark.objects.get()
    assert (mark.key, mark.from_month, mark.to_month) == (RURAL, date(2020, 1, 1), date(2020, 8, 1))
    assert mark.month_count == 8
    assert mark.months_label == "2020年1月至2020年8月"
    assert mark.status == RecomputeMark.Status.PENDING and mark.done_at is None
    assert mark.reason == "补发2020年1月起提标差额"
    assert_chained(RURAL)


def test_insert_before_the_first_version(admin):
    add(admin, key=URBAN, value="500", effective_from=date(2017, 7, 1), reason="补录2017年标准")
    assert periods(URBAN)[:2] == [
        (date(2017, 7, 1), date(2017, 12, 31), Decimal("500")),
        (date(2018, 1, 1), date(2018, 12, 31), Decimal("546")),
    ]
    mark = RecomputeMark.objects.get()
    assert (mark.from_month, mark.to_month) == (date(2017, 7, 1), date(2017, 12, 1))
    assert_chained(URBAN)


def test_retroactive_version_at_the_end_marks_months_up_to_last_month(admin):
    start = months_back(3)
    assert start > date(2021, 9, 1), "the test assumes the last default version is older than 3 months"
    version = add(admin, effective_from=start, reason="市里追溯提标")
    mark = RecomputeMark.objects.get()
    assert (mark.from_month, mark.to_month, mark.version) == (start, months_back(1), version)
    assert mark.month_count == 3
    assert mark.created_by == admin


def test_retroactive_version_starting_mid_month_marks_from_the_next_month(admin):
    start = months_back(3) + timedelta(days=14)
    add(admin, effective_from=start, reason="年中调整")
    mark = RecomputeMark.objects.get()
    assert (mark.from_month, mark.to_month) == (months_back(2), months_back(1))


def test_version_from_last_month_marks_one_month(admin):
    add(admin, effective_from=months_back(1), reason="上月起提标")
    mark = RecomputeMark.objects.get()
    assert mark.from_month == mark.to_month == months_back(1)


def test_version_from_this_month_is_not_retroactive(admin):
    add(admin, effective_from=this_month())
    add(admin, key=URBAN, effective_from=timezone.localdate() + DAY)
    assert not RecomputeMark.objects.exists()


def test_retroactive_version_needs_a_reason(admin):
    before = periods(RURAL)
    with pytest.raises(ValidationError) as raised:
        add(admin, effective_from=date(2020, 1, 1), reason="  ")
    assert raised.value.message_dict == {"reason": ["追溯生效的版本须说明原因"]}
    assert periods(RURAL) == before
    assert not RecomputeMark.objects.exists()


def test_same_date_refused(admin):
    with pytest.raises(ValidationError) as raised:
        add(admin, effective_from=date(2020, 9, 1), reason="重复")
    assert raised.value.message_dict == {"effective_from": ["该日期已有版本，请修改原版本或选择其他日期"]}
    assert PolicyParameter.objects.filter(key=RURAL).count() == 4


def test_negative_value_refused_zero_allowed(admin):
    with pytest.raises(ValidationError) as raised:
        add(admin, value="-1", effective_from=months_ahead(1))
    assert list(raised.value.message_dict) == ["value"]
    assert add(admin, key="tekun.care.self", value="0", effective_from=months_ahead(1)).value == 0


def test_source_required(admin):
    with pytest.raises(ValidationError) as raised:
        add(admin, effective_from=months_ahead(1), source=" ")
    assert list(raised.value.message_dict) == ["source"]


def test_too_many_decimals_refused(admin):
    with pytest.raises(ValidationError) as raised:
        add(admin, value="1.23456", effective_from=months_ahead(1))
    assert list(raised.value.message_dict) == ["value"]
    assert PolicyParameter.objects.filter(key=RURAL).count() == 4


def test_unknown_key_refused(admin):
    with pytest.raises(ValidationError) as raised:
        add(admin, key="dibao.standard.moon", effective_from=months_ahead(1))
    assert raised.value.message_dict == {"key": ["未知参数"]}
    assert not PolicyParameter.objects.filter(key="dibao.standard.moon").exists()


@pytest.mark.parametrize("role", ["caseworker", "reviewer", "county_staff", "auditor"])
def test_only_county_admins_add_versions(users, role):
    before = PolicyParameter.objects.count()
    with pytest.raises(PermissionDenied):
        add(users[role], effective_from=months_ahead(1))
    assert PolicyParameter.objects.count() == before


def test_history_records_the_actor_and_the_reason(admin):
    version = add(admin, value="460", effective_from=date(2020, 1, 1), reason="追溯提标")
    events = pghistory.models.Events.objects.filter(
        pgh_obj_model="core.PolicyParameter", pgh_data__key=RURAL, pgh_context__isnull=False
    )
    by_label = {(e.pgh_label, int(e.pgh_obj_id)): e for e in events}
    inserted = by_label[("insert", version.pk)]
    assert inserted.pgh_context["user"] == admin.pk
    assert inserted.pgh_context["reason"] == "追溯提标"
    previous = PolicyParameter.objects.get(key=RURAL, effective_from=date(2019, 1, 1))
    shortened = by_label[("update", previous.pk)]
    assert shortened.pgh_context["user"] == admin.pk
    assert shortened.pgh_diff == {"effective_to": ["2020-08-31", "2019-12-31"]}

    changes = selectors.parameter_changes(RURAL)
    name = admin.get_full_name()
    assert [(c.action, c.actor_name, c.reason) for c in changes[:2]] == [
        ("新增版本", name, "追溯提标"),  # newest first: the previous version was shortened, then this one added
        ("修改", name, "追溯提标"),
    ]
    assert ("失效日期", "2020-08-31 → 2019-12-31") in next(c for c in changes if c.action == "修改").details
    assert changes[-1].actor_name == "系统"  # the defaults loaded by the data migration


def test_selectors_see_the_new_value_on_the_right_dates(admin):
    add(admin, value="460", effective_from=date(2020, 1, 1), reason="追溯提标")
    assert parameters.parameter_value(RURAL, date(2019, 12, 31)) == Decimal("440")
    assert parameters.parameter_value(RURAL, date(2020, 1, 1)) == Decimal("460")
    assert parameters.parameter_value(RURAL, date(2020, 8, 31)) == Decimal("460")
    assert parameters.parameter_value(RURAL, date(2020, 9, 1)) == Decimal("496")
    assert selectors.db_lookup(RURAL, date(2020, 5, 1)).value == Decimal("460")
    lookup = selectors.month_lookup(date(2020, 3, 1))
    assert lookup(RURAL, date(2020, 3, 1)).value == Decimal("460")
    assert lookup(RURAL, date(2021, 9, 1)).value == Decimal("515")

    start = months_ahead(1)
    add(admin, value="700", effective_from=start)
    assert parameters.parameter_value(RURAL, start - DAY) == Decimal("515")
    assert parameters.parameter_value(RURAL, start) == Decimal("700")
    assert selectors.versions_in_force(start, [RURAL]).get().value == Decimal("700")


def test_several_inserts_keep_the_chain(admin):
    for when, value in [(date(2020, 3, 1), "470"), (date(2019, 6, 1), "450"), (date(2017, 1, 1), "400")]:
        add(admin, value=value, effective_from=when, reason="补录")
    add(admin, value="530", effective_from=months_ahead(2))
    add(admin, value="520", effective_from=months_ahead(1))
    assert_chained(RURAL)
    assert [v for _, _, v in periods(RURAL)] == [Decimal(v) for v in "400 410 440 450 470 496 515 520 530".split()]


def test_a_deliberate_gap_after_the_last_version_stays(admin):
    PolicyParameter.objects.filter(key=RURAL, effective_from=date(2021, 9, 1)).update(effective_to=date(2022, 12, 31))
    start = months_ahead(1)
    add(admin, effective_from=start)
    assert periods(RURAL)[-2:] == [
        (date(2021, 9, 1), date(2022, 12, 31), Decimal("515")),
        (start, None, Decimal("600")),
    ]


# Confirming -----------------------------------------------------------------------------------------------------


def test_confirm_flips_the_flag_and_is_recorded(admin):
    version = PolicyParameter.objects.get(key=RURAL, effective_from=date(2019, 1, 1))
    assert not version.confirmed
    services.confirm_parameter_version(actor=admin, version=version, note="已核对渝民发〔2019〕文件")
    version.refresh_from_db()
    assert version.confirmed
    assert version.note.endswith("确认说明：已核对渝民发〔2019〕文件")
    event = pghistory.models.Events.objects.get(
        pgh_obj_model="core.PolicyParameter", pgh_obj_id=str(version.pk), pgh_label="update"
    )
    assert event.pgh_diff["confirmed"] == [False, True]
    assert event.pgh_context["user"] == admin.pk
    with pytest.raises(ValidationError):
        services.confirm_parameter_version(actor=admin, version=version, note="")


@pytest.mark.parametrize("role", ["caseworker", "county_staff", "auditor"])
def test_only_county_admins_confirm(users, role):
    version = PolicyParameter.objects.get(key=RURAL, effective_from=date(2019, 1, 1))
    with pytest.raises(PermissionDenied):
        services.confirm_parameter_version(actor=users[role], version=version, note="")
    version.refresh_from_db()
    assert not version.confirmed


# Pages ------------------------------------------------------------------------------------------------------------


def row_html(body: str, key: str) -> str:
    start = body.index(f'data-key="{key}"')
    return body[start : body.index("</tr>", start)]


@pytest.mark.parametrize("role", ["caseworker", "reviewer", "county_staff", "county_admin", "auditor"])
def test_everyone_signed_in_sees_the_list(client_for, role):
    response = client_for(role).get(reverse("parameter-list"))
    assert response.status_code == 200
    keys = {row.key for row in response.context["rows"]}
    assert keys == {v.key for v in DEFAULT_PARAMETERS}
    body = response.content.decode()
    today_value = selectors.parameter_version(RURAL, timezone.localdate()).display_value
    assert f'data-testid="value">{today_value}<' in row_html(body, RURAL)
    assert "待确认" in row_html(body, "income.lookback_months")
    assert 'class="badge text-bg-warning"' in row_html(body, "income.lookback_months")
    assert "已确认" in row_html(body, "payment.deadline_day")


def test_list_on_a_chosen_date(client_for):
    response = client_for("caseworker").get(reverse("parameter-list"), {"on": "2019-06-01"})
    body = response.content.decode()
    assert response.context["on"] == date(2019, 6, 1)
    assert 'data-testid="value">440<' in row_html(body, RURAL)
    assert "待确认" in row_html(body, RURAL)  # the 2019 version's start date is proposed
    assert "2020-09-01 起 496" in row_html(body, RURAL)
    assert 'data-testid="value">1404<' in row_html(body, "orphan.institution")
    early = client_for("caseworker").get(reverse("parameter-list"), {"on": "2018-06-01"}).content.decode()
    assert 'data-testid="value">—<' in row_html(early, "orphan.institution")  # first version 2019-01-01
    assert "该日期尚无生效版本" in row_html(early, "orphan.institution")


def test_list_search_and_bad_date(client_for):
    client = client_for("county_staff")
    rows = client.get(reverse("parameter-list"), {"q": "低保标准"}).context["rows"]
    assert {row.key for row in rows} >= {URBAN, RURAL}
    assert all(row.key.startswith("dibao.standard") or "低保标准" in row.label for row in rows)
    assert [row.key for row in client.get(reverse("parameter-list"), {"q": "tekun.care"}).context["rows"]] == [
        "tekun.care.full",
        "tekun.care.half",
        "tekun.care.self",
    ]
    response = client.get(reverse("parameter-list"), {"on": "2020-13-45"})
    assert response.status_code == 200
    assert response.context["on"] == timezone.localdate()
    assert "已显示今日生效的数值" in response.content.decode()


def test_every_default_key_has_a_chinese_label():
    assert {v.key for v in DEFAULT_PARAMETERS} <= set(selectors.KEY_LABELS)


def test_detail_shows_versions_history_and_marks(client_for, admin):
    add(admin, value="460", effective_from=date(2020, 1, 1), reason="追溯提标")
    response = client_for("county_staff").get(reverse("parameter-detail", args=[RURAL]))
    assert response.status_code == 200
    assert [v.value for v in response.context["versions"]] == [Decimal(v) for v in "410 440 460 496 515".split()]
    body = response.content.decode()
    assert "农村低保标准" in body
    assert "2020-08-31" in body and "仍在生效" in body
    assert admin.get_full_name() in body
    assert "追溯提标" in body
    assert "2020年1月至2020年8月" in body  # the pending recompute mark
    assert "新增版本" in body and "系统" in body
    assert 'data-testid="add-version"' not in body
    assert f"/policy/parameters/{RURAL}/versions/" not in body  # no confirm buttons


def test_unknown_key_page_is_not_found(client_for):
    assert client_for("county_admin").get(reverse("parameter-detail", args=["nope"])).status_code == 404


def form_data(**overrides):
    return {
        "value": "600",
        "effective_from": months_ahead(1).isoformat(),
        "source": "渝民发〔2099〕1号",
        "confirmed": "on",
        "note": "",
        "reason": "",
        **overrides,
    }


def test_admin_adds_a_version_through_the_page(client_for, admin):
    client = client_for("county_admin")
    page = client.get(reverse("parameter-detail", args=[RURAL])).content.decode()
    assert 'data-testid="add-version"' in page
    assert "我已确认该版本追溯生效，将标记相关月份待重算" in page
    response = client.post(reverse("parameter-detail", args=[RURAL]), form_data())
    assert response.status_code == 302
    assert response.url == reverse("parameter-detail", args=[RURAL])
    version = PolicyParameter.objects.get(key=RURAL, effective_from=months_ahead(1))
    assert (version.value, version.confirmed, version.created_by) == (Decimal("600"), True, admin)
    followed = client.get(response.url).content.decode()
    assert "已新增" in followed


def test_retroactive_version_through_the_page_needs_the_acknowledgement(client_for, admin):
    client = client_for("county_admin")
    url = reverse("parameter-detail", args=[RURAL])
    response = client.post(url, form_data(effective_from="2020-01-01"))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"acknowledge_retroactive", "reason"}
    assert "追溯生效的版本须说明原因" in response.content.decode()
    assert not PolicyParameter.objects.filter(key=RURAL, effective_from=date(2020, 1, 1)).exists()

    response = client.post(url, form_data(effective_from="2020-01-01", reason="追溯提标", acknowledge_retroactive="on"))
    assert response.status_code == 302
    mark = RecomputeMark.objects.get()
    assert (mark.from_month, mark.to_month) == (date(2020, 1, 1), date(2020, 8, 1))
    assert "已标记 2020年1月至2020年8月 待重算" in client.get(url).content.decode()


def test_service_errors_come_back_on_the_form(client_for):
    client = client_for("county_admin")
    url = reverse("parameter-detail", args=[RURAL])
    response = client.post(
        url, form_data(effective_from="2020-09-01", reason="重复", acknowledge_retroactive="on", value="-5")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["effective_from"] == ["该日期已有版本，请修改原版本或选择其他日期"]
    assert "value" in errors
    assert PolicyParameter.objects.filter(key=RURAL).count() == 4


@pytest.mark.parametrize("role", ["caseworker", "reviewer", "county_staff", "auditor"])
def test_others_view_but_cannot_write(client_for, role):
    client = client_for(role)
    url = reverse("parameter-detail", args=[RURAL])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="add-version"' not in body
    assert f"/policy/parameters/{RURAL}/versions/" not in body  # no confirm buttons
    before = list(PolicyParameter.objects.values_list("pk", "effective_to", "confirmed"))
    response = client.post(url, form_data())
    assert response.status_code == 403
    assert "只有县级管理员" in response.content.decode()
    unconfirmed = PolicyParameter.objects.get(key=RURAL, effective_from=date(2019, 1, 1))
    assert client.post(reverse("parameter-confirm", args=[RURAL, unconfirmed.pk])).status_code == 403
    assert list(PolicyParameter.objects.values_list("pk", "effective_to", "confirmed")) == before
    assert not RecomputeMark.objects.exists()


def test_admin_confirms_through_the_page(client_for):
    client = client_for("county_admin")
    version = PolicyParameter.objects.get(key=RURAL, effective_from=date(2019, 1, 1))
    page = client.get(reverse("parameter-detail", args=[RURAL])).content.decode()
    confirm_url = reverse("parameter-confirm", args=[RURAL, version.pk])
    assert confirm_url in page
    assert client.get(confirm_url).status_code == 405
    response = client.post(confirm_url, {"note": "文件已核实"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.confirmed
    assert confirm_url not in client.get(reverse("parameter-detail", args=[RURAL])).content.decode()
    again = client.post(confirm_url, follow=True)
    assert "该版本已确认" in again.content.decode()
    other_key = reverse("parameter-confirm", args=[URBAN, version.pk])
    assert client.post(other_key).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("county_staff", 200), ("auditor", 200), ("caseworker", 403)])
def test_recompute_list(client_for, admin, role, status):
    add(admin, value="460", effective_from=date(2020, 1, 1), reason="追溯提标")
    done = add(admin, key=URBAN, value="600", effective_from=date(2020, 1, 1), reason="已处理")
    RecomputeMark.objects.filter(version=done).update(status=RecomputeMark.Status.DONE, done_at=timezone.now())
    response = client_for(role).get(reverse("recompute-list"))
    assert response.status_code == status
    if status == 200:
        assert [mark.key for mark, _ in response.context["rows"]] == [RURAL]
        body = response.content.decode()
        assert "2020年1月至2020年8月" in body and "追溯提标" in body and "已处理" not in body


def test_pages_need_a_login(client):
    for url in [reverse("parameter-list"), reverse("parameter-detail", args=[RURAL]), reverse("recompute-list")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_admin_site_lists_parameters_read_only(client_for, admin):
    add(admin, value="460", effective_from=date(2020, 1, 1), reason="追溯提标")
    client = client_for("county_admin")
    version = PolicyParameter.objects.get(key=RURAL, effective_from=date(2020, 1, 1))
    assert client.get(reverse("admin:core_policyparameter_changelist")).status_code == 200
    assert client.get(reverse("admin:core_policyparameter_change", args=[version.pk])).status_code == 200
    assert client.get(reverse("admin:core_policyparameter_add")).status_code == 403
    response = client.post(
        reverse("admin:core_policyparameter_change", args=[version.pk]), {"value": "1", "key": RURAL}
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.value == Decimal("460")
    assert client.get(reverse("admin:assistance_recomputemark_changelist")).status_code == 200
