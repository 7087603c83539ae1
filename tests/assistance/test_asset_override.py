"""A reviewer's override of a failed asset test (policy.md §3): who may record it, the facts and determinations
that read it, the pages; and the new parameter rows with their labels (policy.md §2, §3, §10)."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pghistory.models
import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError

from assistance import permissions, services
from assistance.determinations import determine_household
from assistance.facts import household_inputs
from assistance.models import AssetTestOverride
from assistance.policy.defaults import DEFAULT_PARAMETERS
from assistance.policy.evaluate import evaluate_json
from assistance.selectors import KEY_LABELS, month_lookup
from cases import services as case_services
from core.models import PolicyParameter
from tests.helpers import make_household, make_member

pytestmark = pytest.mark.django_db
OCT = date(2020, 10, 1)
REASON = "机动车为残疾人代步车，已入户核实"
NOTE = f"资产核查未通过，经审核同意（理由：{REASON}）"


@pytest.fixture
def car_household(users, villages):
    """Rural, two adults without income, a motor vehicle: the asset test fails."""
    actor = users["caseworker"]
    household = make_household(actor, villages["a"], area_type="rural")
    make_member(actor, household, name="户主", relation="head", born=date(1978, 3, 15))
    make_member(actor, household, name="配偶", relation="spouse", born=date(1980, 6, 20))
    case_services.add_fact(
        actor=actor, household=household, kind="asset", data={"vehicles": 1, "valid_from": date(2020, 1, 1)}
    )
    return household


def override(users, household, role="reviewer", **fields):
    data = {"from_month": OCT, "reason": REASON, **fields}
    return services.record_asset_override(actor=users[role], household=household, **data)


# Who may record it ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "county_staff", "county_admin"])
def test_reviewers_and_the_county_record_overrides(users, car_household, role):
    assert permissions.can_override_asset_test(users[role], car_household)
    recorded = override(users, car_household, role, from_month=date(2020, 10, 17))
    assert recorded.from_month == OCT  # whole months
    assert recorded.to_month is None
    assert recorded.created_by == users[role]


@pytest.mark.parametrize("role", ["caseworker", "caseworker_b", "auditor"])
def test_caseworkers_and_auditors_may_not(users, car_household, role):
    assert not permissions.can_override_asset_test(users[role], car_household)
    with pytest.raises(PermissionDenied):
        override(users, car_household, role)
    assert not AssetTestOverride.objects.exists()


def test_a_reviewer_of_another_township_may_not(users, car_household, township_b):
    from tests.conftest import UserFactory

    other = UserFactory(username="rv_b", role=users["reviewer"].Role.REVIEWER, township=township_b)
    assert not permissions.can_override_asset_test(other, car_household)
    with pytest.raises(PermissionDenied):
        services.record_asset_override(actor=other, household=car_household, from_month=OCT, reason=REASON)


def test_reason_required_and_period_ordered(users, car_household):
    with pytest.raises(ValidationError) as empty:
        override(users, car_household, reason="  ")
    assert "reason" in empty.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        override(users, car_household, to_month=date(2020, 9, 1))
    assert "to_month" in backwards.value.message_dict


def test_history_is_kept(users, car_household):
    recorded = override(users, car_household)
    events = pghistory.models.Events.objects.references(recorded).filter(pgh_model="assistance.AssetTestOverrideEvent")
    assert [event.pgh_data["reason"] for event in events] == [REASON]


# Facts and determinations -----------------------------------------------------------------------------------


def test_facts_carry_the_override_for_the_months_it_covers(users, car_household):
    override(users, car_household, reason="旧理由", to_month=date(2020, 11, 1))
    override(users, car_household, from_month=date(2020, 11, 1), to_month=date(2020, 11, 1))

    def reason_in(month):
        return household_inputs([car_household.pk], month)[car_household.pk].asset_override

    assert reason_in(date(2020, 9, 1)) is None
    assert reason_in(OCT) == "旧理由"
    assert reason_in(date(2020, 11, 1)) == REASON  # the latest recorded wins
    assert reason_in(date(2020, 12, 1)) is None


def test_determination_honours_the_override_and_replays(users, car_household):
    before = determine_household(actor=users["caseworker"], household=car_household, month=OCT)
    assert before.dibao_decision == "deny"
    assert "asset_override" not in before.input_snapshot

    override(users, car_household)
    after = determine_household(actor=users["caseworker"], household=car_household, month=OCT)
    assert after.dibao_decision == "grant"
    assert after.dibao_amount == Decimal("992.00")
    assert after.result["household"]["assets_pass"] is True
    reasons = after.result["outcomes"][0]["reasons"]
    assert reasons[reasons.index("家庭有机动车 1 辆") + 1] == NOTE
    assert after.input_snapshot["asset_override"] == REASON
    replay = evaluate_json(after.input_snapshot, month_lookup(OCT))
    assert replay["outcomes"] == after.result["outcomes"]


# Pages ---------------------------------------------------------------------------------------------------------


def test_determination_page_offers_the_form_to_reviewers_only(client_for, car_household):
    url = f"/policy/households/{car_household.pk}/determination/"
    form_url = f"/policy/households/{car_household.pk}/asset-override/"
    assert form_url in client_for("reviewer").get(url).content.decode()
    assert form_url not in client_for("caseworker").get(url).content.decode()
    assert client_for("caseworker").get(form_url).status_code == 403
    assert client_for("auditor").post(form_url, {"from_month": "2020-10", "reason": REASON}).status_code == 403
    assert not AssetTestOverride.objects.exists()


def test_record_from_the_page_then_the_determination_shows_it(users, client_for, car_household):
    client = client_for("reviewer")
    form_url = f"/policy/households/{car_household.pk}/asset-override/"
    page = client.get(form_url)
    assert page.status_code == 200
    assert "审核同意理由" in page.content.decode()

    bad = client.post(form_url, {"from_month": "2020-10", "to_month": "2020-13", "reason": REASON})
    assert bad.status_code == 200  # the form again, with the error
    assert not AssetTestOverride.objects.exists()

    response = client.post(form_url, {"from_month": "2020-10", "to_month": "", "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/policy/households/{car_household.pk}/determination/"
    recorded = AssetTestOverride.objects.get()
    assert (recorded.from_month, recorded.to_month, recorded.reason) == (OCT, None, REASON)

    determine_household(actor=users["reviewer"], household=car_household, month=OCT)
    html = client.get(f"/policy/households/{car_household.pk}/determination/").content.decode()
    assert NOTE in html
    assert 'data-testid="asset-override"' in html
    assert "2020年10月起" in html


# Parameters: the data migration's rows and their labels ----------------------------------------------------------


def test_new_parameter_rows_are_loaded():
    assert PolicyParameter.objects.get(key="orphan.age_limit").value == 18
    flags = dict(PolicyParameter.objects.filter(key__startswith="income.excluded.").values_list("key", "value"))
    assert flags == {
        "income.excluded.wage": 0,
        "income.excluded.business": 0,
        "income.excluded.property": 0,
        "income.excluded.transfer": 0,
        "income.excluded.excluded": 1,
    }
    assert all(PolicyParameter.objects.filter(key__startswith="income.excluded.").values_list("confirmed", flat=True))


def test_every_default_key_has_a_chinese_label():
    assert {row.key for row in DEFAULT_PARAMETERS} <= set(KEY_LABELS)


def test_2019_orphan_rows_are_marked_proposed():
    for key in ("orphan.institution", "orphan.community", "dibao.standard.urban", "tekun.basic"):
        row = PolicyParameter.objects.get(key=key, effective_from=date(2019, 1, 1))
        assert not row.confirmed, key
        assert row.note == "金额已确认，起始日期待确认"


def test_migration_updates_rows_loaded_before_it():
    migration = importlib.import_module("assistance.migrations.0016_orphan_age_income_excluded_2019_flags")
    PolicyParameter.objects.filter(key__in=migration.KEYS).delete()
    rows = PolicyParameter.objects.filter(
        key__in=["orphan.institution", "orphan.community"], effective_from=date(2019, 1, 1)
    )
    rows.update(confirmed=True, note="")
    changed = PolicyParameter.objects.get(key="orphan.community", effective_from=date(2019, 1, 1))
    changed.value = Decimal(1210)  # the county changed this one: left alone
    changed.save()

    migration.load(django_apps, None)

    assert PolicyParameter.objects.filter(key__in=migration.KEYS).count() == len(migration.KEYS)
    institution = PolicyParameter.objects.get(key="orphan.institution", effective_from=date(2019, 1, 1))
    assert (institution.confirmed, institution.note) == (False, "金额已确认，起始日期待确认")
    assert PolicyParameter.objects.get(pk=changed.pk).confirmed
    migration.load(django_apps, None)  # again: nothing more
    assert PolicyParameter.objects.filter(key__in=migration.KEYS).count() == len(migration.KEYS)


def test_the_admin_lists_overrides_read_only(users, car_household, client_for):
    override(users, car_household, "reviewer", from_month=OCT)
    client = client_for("county_admin")
    page = client.get("/admin/assistance/assettestoverride/")
    assert page.status_code == 200 and car_household.number in page.content.decode()
    assert client.get("/admin/assistance/assettestoverride/add/").status_code == 403
