"""The export centre (core.export_centre): a large export becomes a job run by the real task; its file is masked
and scoped like the pages; every download is logged; a sensitive export asks for a reason first; old files are
deleted; another user's job is 404."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from assistance.models import LedgerEntry
from cases.models import SensitiveAccessLog
from core import export_centre
from core.models import ExportDownload, ExportJob, PolicyParameter
from core.tasks import purge_exports, run_export
from tests.helpers import enroll, make_household, make_member, make_overpayment, make_roll_import, make_temporary_case

OCT = date(2020, 10, 1)


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


@pytest.fixture
def small_sync(db):
    """``exports.sync_max_rows`` = 10 from a new parameter version."""
    PolicyParameter.objects.create(
        key="exports.sync_max_rows", value=Decimal(10), effective_from=date(2020, 1, 1), source="测试"
    )


def _entry(township, household, member, category="amount_change") -> LedgerEntry:
    return LedgerEntry.objects.create(
        township=township, month=OCT, category=category, household=household, member=member
    )


@pytest.fixture
def ledger(users, villages, township_a, township_b):
    """12 entries of adults in township A, 1 in township B."""
    members = []
    for number in range(12):
        household = make_household(users["caseworker"], villages["a"])
        members.append(make_member(users["caseworker"], household, name=f"甲成员{number}"))
        _entry(township_a, household, members[-1])
    other = make_household(users["caseworker_b"], villages["b"])
    _entry(township_b, other, make_member(users["caseworker_b"], other, name="乙成员"))
    return members


def url(township, **extra) -> str:
    query = "&".join(
        f"{k}={v}" for k, v in {"kind": "ledger", "township": township.pk, "month": "2020-10", **extra}.items()
    )
    return f"{reverse('export-start')}?{query}"


def read(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_the_parameters_exist(db):
    assert export_centre.sync_max_rows() == 5000
    assert export_centre.keep_days() == 7


def test_a_small_export_is_the_response_and_is_logged(client_for, users, ledger, township_a):
    response = client_for("caseworker").get(url(township_a))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert len(rows) == 13 and rows[1][4] in {m.id_number for m in ledger}
    log = ExportDownload.objects.get()
    assert (log.user, log.kind, log.rows, log.job, log.reason) == (users["caseworker"], "ledger", 12, None, "")
    assert "汉葭街道" in log.title and not ExportJob.objects.exists()


def test_a_large_export_becomes_a_job_masked_for_an_auditor(client_for, users, ledger, township_a, small_sync):
    auditor = client_for("auditor")
    response = auditor.get(url(township_a))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("export-job", args=[job.pk])
    assert (job.user, job.status, job.rows_total) == (users["auditor"], "queued", 12)
    page = auditor.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in page and "export-download" not in page

    assert run_export(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == 12 and job.finished_at is not None
    rows = read(export_centre.job_file(job))
    assert rows[0][:5] == ["类别", "村（社区）", "户编号", "对象", "身份证号"]
    ids = {row[4] for row in rows[1:]}
    assert len(rows) == 13 and not ids & {m.id_number for m in ledger}
    assert ids == {m.id_number[:6] + "********" + m.id_number[-4:] for m in ledger}

    page = auditor.get(reverse("export-job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in page and "every 2s" not in page and "export-download" in page
    assert not ExportDownload.objects.exists()  # a job is logged when downloaded
    download = auditor.get(reverse("export-job-download", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"PK")
    log = ExportDownload.objects.get()
    assert (log.user, log.job, log.rows, log.kind) == (users["auditor"], job, 12, "ledger")
    mine = auditor.get(reverse("export-list")).content.decode()
    assert job.title in mine and "下载记录" in mine


def test_a_job_is_scoped_and_only_its_owners(client_for, users, ledger, township_a, small_sync):
    assert client_for("caseworker_b").get(url(township_a)).status_code == 404  # another township: not found
    client_for("caseworker").get(url(township_a))
    job = ExportJob.objects.get()
    run_export(job.pk)
    job.refresh_from_db()
    names = {row[3] for row in read(export_centre.job_file(job))[1:]}
    assert names == {m.name for m in ledger} and "乙成员" not in names
    other = client_for("caseworker_b")
    assert other.get(reverse("export-job", args=[job.pk])).status_code == 404
    assert other.get(reverse("export-job-download", args=[job.pk])).status_code == 404
    assert client_for("county_staff").get(reverse("export-job-download", args=[job.pk])).status_code == 404
    assert job.title not in other.get(reverse("export-list")).content.decode()
    assert not ExportDownload.objects.exists()
    assert client_for("caseworker").get(reverse("export-job-download", args=[job.pk])).status_code == 200


def test_the_task_checks_the_permission_again(client_for, users, ledger, township_a, township_b, small_sync):
    client_for("caseworker").get(url(township_a))
    job = ExportJob.objects.get()
    users["caseworker"].township = township_b  # moved to another township before the job ran
    users["caseworker"].save()
    assert run_export(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and not job.file_path and job.error.startswith("无权导出")


def test_a_sensitive_export_asks_for_a_reason_and_stores_it(client_for, users, ledger, villages, township_a):
    household = make_household(users["caseworker"], villages["a"])
    child = make_member(users["caseworker"], household, name="王小宝", born=date(2015, 3, 1), relation="head")
    _entry(township_a, household, child, "single_person_candidate")
    client = client_for("county_staff")
    form = client.get(url(township_a))
    assert form.status_code == 200 and 'data-testid="export-reason"' in form.content.decode()
    assert not ExportDownload.objects.exists()
    again = client.post(url(township_a), {"reason": " "})
    assert again.status_code == 200 and 'data-testid="export-reason"' in again.content.decode()
    done = client.post(url(township_a), {"reason": "核对留守儿童发放情况"})
    assert done.content.startswith(b"PK")
    log = ExportDownload.objects.get()
    assert log.sensitive and log.reason == "核对留守儿童发放情况" and log.rows == 13
    assert SensitiveAccessLog.objects.filter(member=child, action="export", user=users["county_staff"]).exists()
    # an export without children or disabled persons asks nothing
    assert client.get(url(township_a, ledger="gradual_exit")).content.startswith(b"PK")


def test_a_sensitive_job_keeps_the_reason_for_its_download(client_for, users, villages, ledger, township_a, small_sync):
    household = make_household(users["caseworker"], villages["a"])
    disabled = make_member(
        users["caseworker"], household, name="残疾人", disability_category="physical", disability_grade="2"
    )
    _entry(township_a, household, disabled)
    client = client_for("caseworker")
    client.post(url(township_a), {"reason": "县局核查"})
    job = ExportJob.objects.get()
    assert job.reason == "县局核查"
    run_export(job.pk)
    client.get(reverse("export-job-download", args=[job.pk]))
    log = ExportDownload.objects.get()
    assert log.job == job and log.reason == "县局核查" and log.sensitive and log.rows == 13


def test_the_cleanup_deletes_files_older_than_keep_days(client_for, users, ledger, township_a, small_sync):
    client_for("caseworker").get(url(township_a))
    client_for("caseworker").get(url(township_a))
    old, recent = ExportJob.objects.order_by("pk")
    for job in (old, recent):
        run_export(job.pk)
        job.refresh_from_db()
    old_file, recent_file = export_centre.job_file(old), export_centre.job_file(recent)
    ExportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    ExportJob.objects.filter(pk=recent.pk).update(finished_at=timezone.now() - timedelta(days=6))
    assert purge_exports() == 1
    old.refresh_from_db()
    assert not old_file.exists() and recent_file.exists()
    assert old.status == "expired" and not old.file_path
    assert client_for("caseworker").get(reverse("export-job-download", args=[old.pk])).status_code == 404


def test_the_daily_cleanup_is_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.get(task="core.purge_exports").crontab.hour == "3"


def test_the_old_ledger_url_goes_through_the_centre(client_for, users, ledger, township_a, small_sync):
    response = client_for("auditor").get(reverse("ledger-export", args=[township_a.pk, "2020-10"]))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.params == {
        "township": str(township_a.pk),
        "month": "2020-10",
        "ledger": "screening",
    }
    assert client_for("caseworker").get(reverse("export-start") + "?kind=nothing").status_code == 404


def test_the_comparison_page_exports_its_flags_scoped_and_masked(client_for, users, villages, township_a, township_b):
    from assistance.models import ComparisonFlag

    for township, village, actor, name in (
        (township_a, villages["a"], users["caseworker"], "甲比对"),
        (township_b, villages["b"], users["caseworker_b"], "乙比对"),
    ):
        household = make_household(actor, village)
        member = make_member(actor, household, name=name)
        ComparisonFlag.objects.create(
            township=township,
            month=OCT,
            code="JDLK_NOT_COVERED",
            household=household,
            member=member,
            name=name,
            id_number=member.id_number,
            opened_at=timezone.now(),
            evidence={"reasons": ["建档立卡未脱贫，未享受低保"]},
        )
    page = client_for("caseworker").get(reverse("comparison-list") + "?month=2020-10")
    assert "kind=comparison" in page.content.decode()

    def rows(role: str) -> list[list[object]]:
        response = client_for(role).get(reverse("export-start") + "?kind=comparison&month=2020-10")
        assert response.status_code == 200, response.content[:300]
        data = b"".join(response.streaming_content) if response.streaming else response.content
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

    township_rows = rows("caseworker")
    assert [r[3] for r in township_rows[1:]] == ["甲比对"]
    assert township_rows[1][5] == "建档立卡未脱贫，未享受低保"
    auditor_rows = rows("auditor")
    assert sorted(r[3] for r in auditor_rows[1:]) == ["乙比对", "甲比对"]
    assert all("*" in str(r[4]) for r in auditor_rows[1:])
    assert ExportDownload.objects.filter(kind="comparison").count() == 2


# The list pages' exports ---------------------------------------------------------------------------------------


def export_rows(client, query: str) -> list[list[object]]:
    response = client.get(reverse("export-start") + "?" + query)
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


@pytest.fixture
def two_households(users, villages):
    """A household with its head in township A (甲户主) and one in township B (乙户主)."""
    found = {}
    for key, actor, name in (("a", users["caseworker"], "甲户主"), ("b", users["caseworker_b"], "乙户主")):
        household = make_household(actor, villages[key])
        found[key] = (household, make_member(actor, household, name=name, relation="head"))
    return found


def test_the_household_search_exports_its_results_scoped_and_masked(client_for, two_households):
    page = client_for("caseworker").get(reverse("household-search") + "?q=甲")
    assert "kind=households&amp;q=%E7%94%B2" in page.content.decode()
    township_rows = export_rows(client_for("caseworker"), "kind=households")
    assert township_rows[0][:3] == ["户编号", "户主", "户主身份证号"]
    assert [r[1] for r in township_rows[1:]] == ["甲户主"]
    assert township_rows[1][2] == two_households["a"][1].id_number
    assert [r[1] for r in export_rows(client_for("auditor"), "kind=households&q=甲")[1:]] == ["甲户主"]
    auditor_rows = export_rows(client_for("auditor"), "kind=households")
    assert sorted(r[1] for r in auditor_rows[1:]) == ["乙户主", "甲户主"]
    assert all("*" in str(r[2]) for r in auditor_rows[1:])
    assert ExportDownload.objects.filter(kind="households").count() == 3


def test_the_application_queue_exports_its_filter_scoped_and_masked(client_for, users, two_households):
    from cases import services

    for key, actor in (("a", users["caseworker"]), ("b", users["caseworker_b"])):
        services.receive_application(
            actor=actor,
            household=two_households[key][0],
            benefits=[("dibao", None)],
            reason="因病致贫",
            authorization_signed=True,
        )
    page = client_for("caseworker").get(reverse("application-queue") + "?status=received")
    assert "kind=applications&amp;status=received" in page.content.decode()
    township_rows = export_rows(client_for("caseworker"), "kind=applications&status=received")
    assert township_rows[0][0] == "申请编号"
    assert [r[2] for r in township_rows[1:]] == ["甲户主"]
    assert township_rows[1][3] == two_households["a"][1].id_number
    assert export_rows(client_for("caseworker"), "kind=applications&status=approved")[1:] == []
    auditor_rows = export_rows(client_for("auditor"), "kind=applications")
    assert sorted(r[2] for r in auditor_rows[1:]) == ["乙户主", "甲户主"]
    assert all("*" in str(r[3]) for r in auditor_rows[1:])


def test_the_enrollment_roll_exports_its_filters_scoped_and_masked(client_for, township_a, township_b, two_households):

    for key in ("a", "b"):
        household, member = two_households[key]
        for benefit in ("dibao", "tekun"):
            enroll(
                household,
                benefit,
                "520.00",
                member=None if benefit == "dibao" else member,  # 低保 is the household's
                start_month=OCT,
            )
    page = client_for("caseworker").get(reverse("enrollment-list") + "?benefit=tekun")
    assert "kind=enrollments&amp;benefit=tekun" in page.content.decode()
    township_rows = export_rows(client_for("caseworker"), "kind=enrollments&benefit=tekun")
    assert township_rows[0][:4] == ["乡镇（街道）", "户编号", "对象", "身份证号"]
    assert [(r[2], r[4]) for r in township_rows[1:]] == [("甲户主", "特困供养")]
    assert township_rows[1][3] == two_households["a"][1].id_number and township_rows[1][8] == 520
    assert [r[2] for r in export_rows(client_for("caseworker"), "kind=enrollments")[1:]] == ["全户", "甲户主"]
    auditor_rows = export_rows(client_for("auditor"), "kind=enrollments&benefit=tekun")
    assert sorted(r[2] for r in auditor_rows[1:]) == ["乙户主", "甲户主"]
    assert all("*" in str(r[3]) for r in auditor_rows[1:])


def test_the_temporary_cases_export_their_filter_scoped_and_masked(client_for, users, two_households):
    for key, actor in (("a", users["caseworker"]), ("b", users["caseworker_b"])):
        make_temporary_case(*two_households[key], actor)
    page = client_for("caseworker").get(reverse("temporary-list") + "?status=pending")
    assert "kind=temporary&amp;status=pending" in page.content.decode()
    township_rows = export_rows(client_for("caseworker"), "kind=temporary&status=pending")
    assert township_rows[0][:3] == ["编号", "救助对象", "身份证号"]
    assert [r[1] for r in township_rows[1:]] == ["甲户主"]
    assert township_rows[1][2] == two_households["a"][1].id_number and township_rows[1][7] == 800
    assert export_rows(client_for("caseworker"), "kind=temporary&status=approved")[1:] == []
    auditor_rows = export_rows(client_for("auditor"), "kind=temporary")
    assert sorted(r[1] for r in auditor_rows[1:]) == ["乙户主", "甲户主"]
    assert all("*" in str(r[2]) for r in auditor_rows[1:])


def test_the_overpayments_export_their_filters_scoped_and_masked(client_for, township_a, township_b, two_households):
    for key, township, status in (("a", township_a, "open"), ("b", township_b, "open"), ("a", township_a, "waived")):
        household, member = two_households[key]
        make_overpayment(township, household, member.name, f"{key}-{status}", member=member, status=status)
    page = client_for("caseworker").get(reverse("back-pay-list"))
    assert "kind=overpayments&amp;status=open" in page.content.decode()
    township_rows = export_rows(client_for("caseworker"), "kind=overpayments&status=open")
    assert township_rows[0][:4] == ["乡镇（街道）", "户编号", "对象", "身份证号"]
    assert [(r[2], r[10]) for r in township_rows[1:]] == [("甲户主", "待追回")]
    assert township_rows[1][3] == two_households["a"][1].id_number and township_rows[1][8] == 32
    assert len(export_rows(client_for("caseworker"), "kind=overpayments&status=")) == 3
    auditor_rows = export_rows(client_for("auditor"), "kind=overpayments")
    assert sorted(r[2] for r in auditor_rows[1:]) == ["乙户主", "甲户主"]
    assert all("*" in str(r[3]) for r in auditor_rows[1:])


def test_the_timeliness_report_exports_its_month_scoped(client_for, township_a, township_b):
    from payments.models import TimelinessResult

    for township, status in ((township_a, "on_time"), (township_b, "missing")):
        TimelinessResult.objects.create(
            township=township, month=OCT, benefit="dibao", deadline=date(2020, 10, 10), status=status
        )
    page = client_for("county_staff").get(reverse("timeliness-report") + f"?month=2020-10&township={township_b.pk}")
    assert f"kind=timeliness&amp;month=2020-10&amp;township={township_b.pk}" in page.content.decode()
    township_rows = export_rows(client_for("caseworker"), "kind=timeliness&month=2020-10")
    assert township_rows[0][:2] == ["乡镇（街道）", "救助项目"]
    assert [(r[0], r[5]) for r in township_rows[1:]] == [("汉葭街道", "按时发放")]
    assert export_rows(client_for("caseworker"), "kind=timeliness&month=2020-09")[1:] == []
    outside = client_for("caseworker").get(
        reverse("export-start") + f"?kind=timeliness&month=2020-10&township={township_b.pk}"
    )
    assert outside.status_code == 404
    auditor_rows = export_rows(client_for("auditor"), "kind=timeliness&month=2020-10")
    assert sorted(r[0] for r in auditor_rows[1:]) == ["汉葭街道", "郁山镇"]
    county_rows = export_rows(client_for("county_staff"), f"kind=timeliness&month=2020-10&township={township_b.pk}")
    assert [r[0] for r in county_rows[1:]] == ["郁山镇"]


def test_the_roll_records_export_for_the_county_only_with_ids_masked(client_for, users, township_a, township_b):

    from cases.models import RollRecord
    from tests.helpers import valid_id

    roll = make_roll_import(users["county_staff"], "export.csv")
    numbers = {}
    for row_number, township, name, valid in ((2, township_a, "甲名单", True), (3, township_b, "乙名单", False)):
        numbers[name] = valid_id()
        RollRecord.objects.create(
            roll_import=roll,
            row_number=row_number,
            id_number=numbers[name],
            id_number_raw=numbers[name],
            id_valid=valid,
            name=name,
            township=township,
        )
    page = client_for("county_staff").get(reverse("external-roll-detail", args=[roll.pk]) + "?show=invalid")
    assert f"kind=roll_records&amp;roll={roll.pk}&amp;show=invalid" in page.content.decode()
    query = f"kind=roll_records&roll={roll.pk}"
    county_rows = export_rows(client_for("county_staff"), query)
    assert county_rows[0][:3] == ["行", "姓名", "身份证号"]
    assert [(r[1], r[2]) for r in county_rows[1:]] == [("甲名单", numbers["甲名单"]), ("乙名单", numbers["乙名单"])]
    assert [r[1] for r in export_rows(client_for("county_staff"), query + "&show=invalid")[1:]] == ["乙名单"]
    assert client_for("caseworker").get(reverse("export-start") + "?" + query).status_code == 403
    assert client_for("county_staff").get(reverse("export-start") + "?kind=roll_records&roll=0").status_code == 404
    auditor_rows = export_rows(client_for("auditor"), query)
    assert sorted(r[1] for r in auditor_rows[1:]) == ["乙名单", "甲名单"]
    assert all("*" in str(r[2]) for r in auditor_rows[1:])
