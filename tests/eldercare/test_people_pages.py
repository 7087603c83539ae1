"""eldercare people pages per role: the ledger list (scope, masking, filters, 逾期), the person's page with visits,
adding and generating, willingness, facilities, tasks, coverage, and the alerts page with its links and the
county's monthly check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from assistance.models import JobRun
from eldercare import alerts
from eldercare.models import CareFacility, CareWillingness, ConstructionTask, ElderAlert, ElderVisit, LeftBehindElder
from tests.eldercare.fixtures_people import days_ago, elder_member, ledger_row, tekun_person, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def elders(users, villages):
    cw, cw_b = users["caseworker"], users["caseworker_b"]
    a = ledger_row(cw, elder_member(cw, villages["a"], name="甲镇老人"), entered_on=date(2020, 1, 1))
    b = ledger_row(cw_b, elder_member(cw_b, villages["b"], name="乙镇老人"), entered_on=date(2020, 1, 1))
    return {"a": a, "b": b}


def text(response) -> str:
    return response.content.decode()


def test_the_list_is_scoped_masked_and_marks_overdue(client_for, elders):
    page = text(client_for("caseworker").get(reverse("eldercare-elder-list")))
    assert "甲镇老人" in page and "乙镇老人" not in page
    assert 'data-testid="overdue"' in page and "kind=eldercare_elders" in page
    assert elders["a"].member.id_number in page
    audit = text(client_for("auditor").get(reverse("eldercare-elder-list")))
    assert "甲镇老人" in audit and "乙镇老人" in audit
    assert elders["a"].member.id_number not in audit
    assert "从户籍标记生成" not in audit and "登记留守老年人" not in audit
    county = client_for("county_staff")
    only_b = text(county.get(reverse("eldercare-elder-list"), {"township": elders["b"].township_id}))
    assert "乙镇老人" in only_b and "甲镇老人" not in only_b
    for bad in ({"township": "１２"}, {"page": "abc"}, {"township": "9" * 30}, {"q": "\x00"}, {"living": "x"}):
        assert county.get(reverse("eldercare-elder-list"), bad).status_code in (200, 400, 404)


def test_overdue_filter_and_other_townships_detail_is_404(client_for, users, elders):
    cw = client_for("caseworker")
    ElderVisit.objects.create(elder=elders["a"], visited_on=today(), visitor="张三", recorded_by=users["caseworker"])
    page = text(cw.get(reverse("eldercare-elder-list"), {"overdue": "1"}))
    assert "没有符合条件的留守老年人" in page
    assert cw.get(reverse("eldercare-elder-detail", args=[elders["b"].pk])).status_code == 404
    detail = text(cw.get(reverse("eldercare-elder-detail", args=[elders["a"].pk])))
    assert "修改记录" in detail and f"?member={elders['a'].member_id}" in detail
    assert reverse("temporary-new") in detail


def test_recording_a_visit_through_the_page(client_for, elders):
    cw = client_for("caseworker")
    url = reverse("eldercare-elder-visit", args=[elders["a"].pk])
    bad = cw.post(url, {"visited_on": "2999-01-01", "visitor": "张三", "way": "home"})
    assert bad.status_code == 200 and 'data-field-error="visited_on"' in text(bad)
    huge = cw.post(url, {"visited_on": "99999-01-01", "visitor": "x\x00", "way": "letter"})
    assert huge.status_code == 200 and 'data-field-error="visitor"' in text(huge)
    ok = cw.post(url, {"visited_on": days_ago(1).isoformat(), "visitor": "张三", "way": "phone"})
    assert ok.status_code == 302
    assert ElderVisit.objects.get().way == "phone"
    assert (
        client_for("caseworker_b").post(url, {"visited_on": days_ago(1), "visitor": "x", "way": "home"}).status_code
        == 404
    )
    refused = client_for("auditor").post(url, {"visited_on": days_ago(1), "visitor": "x", "way": "home"})
    assert refused.status_code == 403
    assert ElderVisit.objects.count() == 1


def test_adding_generating_editing_and_ending(client_for, users, villages):
    cw = client_for("caseworker")
    member = elder_member(users["caseworker"], villages["a"], name="新登记老人", left_behind_elderly=True)
    found = text(cw.get(reverse("eldercare-elder-new"), {"q": "新登记"}))
    assert f"?member={member.pk}" in found
    form = cw.post(
        reverse("eldercare-elder-new") + f"?member={member.pk}", {"living": "alone", "visitor_name": "村干部"}
    )
    assert form.status_code == 302
    elder = LeftBehindElder.objects.get(member=member)
    assert cw.post(reverse("eldercare-elder-generate")).status_code == 302
    assert LeftBehindElder.objects.filter(member=member).count() == 1  # already on the ledger
    edit = cw.post(reverse("eldercare-elder-edit", args=[elder.pk]), {"living": "spouse", "visitor_name": "王五"})
    assert edit.status_code == 302
    elder.refresh_from_db()
    assert (elder.living, elder.visitor_name) == ("spouse", "王五")
    end = cw.post(reverse("eldercare-elder-end", args=[elder.pk]), {"ended_on": today().isoformat(), "end_reason": ""})
    assert 'data-field-error="end_reason"' in text(end)
    cw.post(
        reverse("eldercare-elder-end", args=[elder.pk]), {"ended_on": today().isoformat(), "end_reason": "子女返乡"}
    )
    elder.refresh_from_db()
    assert not elder.active
    assert client_for("auditor").get(reverse("eldercare-elder-new")).status_code == 403
    assert client_for("caseworker_b").get(reverse("eldercare-elder-new"), {"member": member.pk}).status_code == 404


def test_willingness_pages(client_for, users, villages):
    cw = client_for("caseworker")
    person = tekun_person(users["caseworker"], villages["a"], name="失能特困甲")
    page = text(cw.get(reverse("eldercare-willingness-list")))
    assert "失能特困甲" in page and "未询问" in page and "kind=eldercare_willingness" in page
    assert "失能特困甲" not in text(client_for("caseworker_b").get(reverse("eldercare-willingness-list")))
    url = reverse("eldercare-tekun-willingness", args=[person.pk])
    missing = cw.post(url, {"asked_on": days_ago(1).isoformat(), "willing": "0"})
    assert 'data-field-error="reason"' in text(missing)
    assert cw.post(url, {"asked_on": days_ago(1).isoformat(), "willing": "1"}).status_code == 302
    assert CareWillingness.objects.get().willing is True
    visit = cw.post(
        reverse("eldercare-tekun-visit", args=[person.pk]),
        {"visited_on": days_ago(1).isoformat(), "visitor": "照料人甲", "way": "home"},
    )
    assert visit.status_code == 302
    detail = text(cw.get(reverse("eldercare-tekun-detail", args=[person.pk])))
    assert "照料人甲" in detail and "愿意" in detail
    assert client_for("auditor").post(url, {"asked_on": "2020-01-01", "willing": "1"}).status_code == 403


def test_facilities_tasks_and_coverage(client_for, users, villages):
    cw = client_for("caseworker")
    township = villages["a"].township
    created = cw.post(
        reverse("eldercare-facility-new"),
        {
            "kind": "station",
            "township": township.pk,
            "village": villages["a"].pk,
            "name": "甲村养老站",
            "land_area": "120.5",
            "floor_area": "200",
            "status": "open",
        },
    )
    assert created.status_code == 302
    again = cw.post(
        reverse("eldercare-facility-new"),
        {
            "kind": "station",
            "township": township.pk,
            "village": villages["a"].pk,
            "name": "甲村二站",
            "land_area": "1",
            "floor_area": "1",
            "status": "open",
        },
    )
    assert 'data-field-error="village"' in text(again)
    facility = CareFacility.objects.get()
    assert "修改记录" in text(cw.get(reverse("eldercare-facility-edit", args=[facility.pk])))
    assert client_for("caseworker_b").get(reverse("eldercare-facility-edit", args=[facility.pk])).status_code == 404
    task = cw.post(
        reverse("eldercare-task-new"),
        {"year": "2020", "township": township.pk, "kind": "centre", "planned_on": "2020-12-31"},
    )
    assert task.status_code == 302 and ConstructionTask.objects.count() == 1
    listing = text(cw.get(reverse("eldercare-task-list"), {"year": "2020"}))
    assert "逾期未完成" in listing or "未完成" in listing
    coverage = text(cw.get(reverse("eldercare-coverage")))
    assert "甲村养老站" in coverage and township.name in coverage
    county = text(client_for("county_staff").get(reverse("eldercare-coverage")))
    assert 'data-testid="county"' in county and "郁山镇" in county


def test_the_alerts_page_links_objects_and_the_county_starts_the_check(client_for, users, elders, villages):
    alerts.run(township_id=elders["a"].township_id, month=date(2020, 10, 1))
    ElderAlert.objects.create(
        township_id=elders["a"].township_id,
        kind="no_manager",
        object_type="eldercare.unknownthing",
        object_id=1,
        subject="未知对象",
        month=date(2020, 10, 1),
        opened_at=elders["a"].created_at,
    )
    page = text(client_for("caseworker").get(reverse("eldercare-alert-list")))
    assert reverse("eldercare-elder-detail", args=[elders["a"].pk]) in page
    assert "甲镇老人 · 留守老年人" in page and "未知对象" in page and "应探访日期" in page
    assert "开始本月核查" not in page
    assert "乙镇老人" not in page
    assert "甲镇老人" not in text(client_for("caseworker").get(reverse("eldercare-alert-list"), {"closed": "1"}))
    county = client_for("county_staff")
    assert "开始本月核查" in text(county.get(reverse("eldercare-alert-list")))
    assert client_for("caseworker").post(reverse("eldercare-alert-run"), {"month": "2020-10"}).status_code == 403
    assert client_for("auditor").post(reverse("eldercare-alert-run"), {"month": "2020-10"}).status_code == 403
    assert county.post(reverse("eldercare-alert-run"), {"month": "2020-10"}).status_code == 302
    run = JobRun.objects.filter(kind="eldercare", parent__isnull=True).get()
    assert run.month == date(2020, 10, 1)
    assert "2020 年 10 月" in text(county.get(reverse("eldercare-alert-list")))
    filtered = text(county.get(reverse("eldercare-alert-list"), {"kind": "visit_overdue", "township": "１"}))
    assert "未知对象" not in filtered


def test_visits_in_the_future_are_not_due(client_for, users, elders):
    ElderVisit.objects.create(
        elder=elders["a"], visited_on=today() - timedelta(days=1), visitor="李四", recorded_by=users["caseworker"]
    )
    page = text(client_for("caseworker").get(reverse("eldercare-elder-detail", args=[elders["a"].pk])))
    assert 'data-testid="overdue"' not in page


def test_viewing_a_disabled_persons_ledger_is_logged(client_for, users, villages):
    from cases.models import SensitiveAccessLog

    cw = users["caseworker"]
    member = elder_member(cw, villages["a"], name="残疾老人", disability_category="physical", disability_grade=2)
    elder = ledger_row(cw, member)
    client_for("caseworker").get(reverse("eldercare-elder-detail", args=[elder.pk]))
    assert SensitiveAccessLog.objects.filter(member=member, user=cw, action="view").exists()
    page = client_for("caseworker").get(reverse("eldercare-elder-list"))
    assert "残疾" in text(page)


def test_the_county_marks_the_pilot_township(client_for, villages):
    from eldercare.models import TownshipCareSetting

    township = villages["a"].township
    url = reverse("eldercare-pilot-set")
    assert client_for("caseworker").post(url, {"township": township.pk, "pilot": "1"}).status_code == 403
    county = client_for("county_staff")
    assert county.post(url, {"township": township.pk, "pilot": "1"}).status_code == 302
    assert TownshipCareSetting.objects.get(township=township).central_care_pilot is True
    page = text(county.get(reverse("eldercare-willingness-list"), {"township": township.pk}))
    assert "取消集中托养试点" in page
    assert county.post(url, {"township": "１"}).status_code == 302  # no township chosen: a message, nothing written


def test_alert_links_follow_the_object_type():
    from eldercare.models import ElderAlert
    from eldercare.selectors.people import alert_link

    def alert(object_type, evidence=None):
        return ElderAlert(object_type=object_type, object_id=7, evidence=evidence or {})

    assert alert_link(alert("eldercare.leftbehindelder")) == ("eldercare-elder-detail", 7)
    assert alert_link(alert("eldercare.nursinghome")) == ("eldercare-home-detail", 7)
    assert alert_link(alert("eldercare.certificate", {"staff_id": 3})) == ("eldercare-staff-detail", 3)
    assert alert_link(alert("eldercare.staffcertificate", {})) is None
    assert alert_link(alert("eldercare.something")) is None
