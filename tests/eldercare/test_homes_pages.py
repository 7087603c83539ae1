"""The homes pages as each role: the list (search, filter, occupancy), a home's tabs, the staff page, the forms;
another township's home is 404; the auditor sees masked numbers and cannot write."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.urls import reverse

from eldercare.models import DutyShift, Residence, Staff
from eldercare.services import homes as services
from tests.eldercare import fixtures_homes as fx

pytestmark = pytest.mark.django_db
homes_world = fx.homes_world


def text(response) -> str:
    return response.content.decode()


def test_the_list_shows_occupancy_and_scopes_by_township(users, homes_world, client_for):
    w = homes_world
    services.add_residence(actor=users["caseworker"], home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1))
    page = text(client_for("caseworker").get(reverse("eldercare-home-list")))
    assert "汉葭敬老院" in page and "郁山敬老院" not in page and 'data-testid="occupancy">1<' in page
    county = text(client_for("county_staff").get(reverse("eldercare-home-list") + "?q=郁山"))
    assert "郁山敬老院" in county and "汉葭敬老院" not in county
    filtered = client_for("county_staff").get(reverse("eldercare-home-list"), {"township": w.home_b.township_id})
    assert "郁山敬老院" in text(filtered) and "汉葭敬老院" not in text(filtered)
    hostile = client_for("county_staff").get(reverse("eldercare-home-list"), {"township": "１２", "q": "x" * 500})
    assert hostile.status_code == 200 and "郁山敬老院" in text(hostile)  # the bad filter is ignored
    assert client_for("county_staff").get(reverse("eldercare-home-list"), {"q": "\x00"}).status_code == 400


def test_every_tab_of_a_home_renders_and_another_township_is_404(users, homes_world, client_for):
    w = homes_world
    services.add_shift(
        actor=users["caseworker"], home=w.home, staff=w.manager, day=date(2020, 10, 5), start=time(8), end=time(20)
    )
    client = client_for("caseworker")
    url = reverse("eldercare-home-detail", args=[w.home.pk])
    for tab in ("residents", "staff", "duty", "log", "patrols", "alerts", "history"):
        assert client.get(url, {"tab": tab}).status_code == 200
    duty = text(client.get(url, {"tab": "duty", "week": "2020-10-07"}))
    assert "王院长" in duty and "20:00–24:00" in duty and "2020-10-05" in duty
    assert client.get(url, {"tab": "duty", "week": "99999-01-01"}).status_code == 200
    assert client.get(reverse("eldercare-home-detail", args=[w.home_b.pk])).status_code == 404
    assert client.get(reverse("eldercare-staff-detail", args=[w.manager_b.pk])).status_code == 404
    assert client.get(reverse("eldercare-home-add-staff", args=[w.home_b.pk])).status_code == 404


def test_the_auditor_sees_masked_numbers_and_cannot_write(users, homes_world, client_for):
    w = homes_world
    auditor = client_for("auditor")
    home_page = text(auditor.get(reverse("eldercare-home-detail", args=[w.home.pk])))
    assert "6228480000000000999" not in home_page and "汉葭敬老院" in home_page
    staff_page = text(auditor.get(reverse("eldercare-staff-detail", args=[w.manager.pk])))
    assert w.manager_id not in staff_page and "王院长" in staff_page
    history = text(auditor.get(reverse("eldercare-home-detail", args=[w.home.pk]), {"tab": "history"}))
    assert "6228480000000000999" not in history and w.manager_id not in history
    assert "修改记录" in history
    listing = text(auditor.get(reverse("eldercare-home-list")))
    assert "6228480000000000999" not in listing
    for name, args in (
        ("eldercare-home-new", []),
        ("eldercare-home-edit", [w.home.pk]),
        ("eldercare-home-add-staff", [w.home.pk]),
        ("eldercare-staff-end", [w.manager.pk]),
    ):
        assert auditor.get(reverse(name, args=args)).status_code == 403
        assert auditor.post(reverse(name, args=args), {"name": "x"}).status_code == 403
    full = text(client_for("caseworker").get(reverse("eldercare-staff-detail", args=[w.manager.pk])))
    assert w.manager_id in full


def test_a_caseworker_adds_a_resident_and_ends_the_stay(users, homes_world, client_for):
    w, client = homes_world, client_for("caseworker")
    url = reverse("eldercare-home-add-residence", args=[w.home.pk])
    response = client.post(url, {"id_number": w.elder.id_number, "kind": "tekun", "start": "2020-03-01"})
    assert response.status_code == 302
    residence = Residence.objects.get()
    assert residence.enrollment == w.tekun
    again = client.post(url, {"id_number": w.elder.id_number, "kind": "other", "start": "2020-05-01"})
    assert again.status_code == 200 and 'data-field-error="start"' in text(again)
    unknown = client.post(url, {"id_number": "500243190001010000", "kind": "other", "start": "2020-05-01"})
    assert 'data-field-error="id_number"' in text(unknown)
    end_url = reverse("eldercare-residence-end", args=[residence.pk])
    assert "confirm(" in text(client.get(end_url))
    bad = client.post(end_url, {"end": "2020-01-01", "end_reason": "去世"})
    assert 'data-field-error="end"' in text(bad)
    assert client.post(end_url, {"end": "2020-09-30", "end_reason": "去世"}).status_code == 302
    assert Residence.objects.get().end == date(2020, 9, 30)


def test_staff_certificate_shift_log_and_patrol_forms(users, homes_world, client_for):
    w, client = homes_world, client_for("caseworker")
    response = client.post(
        reverse("eldercare-home-add-staff", args=[w.home.pk]),
        {"name": "新护理员", "position": "carer", "employment": "public_welfare", "hired_on": "2020-01-01"},
    )
    assert response.status_code == 302
    person = Staff.objects.get(name="新护理员")
    cert_url = reverse("eldercare-staff-add-certificate", args=[person.pk])
    data = {"kind": "care_training", "number": "PX9", "issuer": "人社局", "issued_on": "2020-02-01"}
    bad = client.post(cert_url, {**data, "expires_on": "2020-01-01"})
    assert 'data-field-error="expires_on"' in text(bad)
    assert client.post(cert_url, {**data, "expires_on": "2023-01-01"}).status_code == 302
    shift_url = reverse("eldercare-home-add-shift", args=[w.home.pk])
    shift = {"day": "2020-10-01", "staff": person.pk, "start": "20:00", "end": "08:00"}
    assert 'data-field-error="end"' in text(client.post(shift_url, shift))
    cook = client.post(shift_url, {**shift, "staff": w.cook.pk, "overnight": "on"})
    assert 'data-field-error="staff"' in text(cook)  # not among the choices
    assert client.post(shift_url, {**shift, "overnight": "on"}).status_code == 302
    night = DutyShift.objects.get()
    assert night.overnight
    remove = client.post(reverse("eldercare-shift-remove", args=[night.pk]))
    assert remove.status_code == 302 and not DutyShift.objects.exists()
    log = client.post(
        reverse("eldercare-home-add-duty-log", args=[w.home.pk]),
        {"day": "2020-10-01", "staff": person.pk, "handover": "夜间平稳"},
    )
    assert log.status_code == 302
    patrol_url = reverse("eldercare-home-add-patrol", args=[w.home.pk])
    patrol = {"at": "2020-10-01T23:10", "staff": person.pk, "areas": "寝室、厨房"}
    assert client.post(patrol_url, patrol).status_code == 302
    future = client.post(patrol_url, {**patrol, "at": "2999-01-01T23:10"})
    assert 'data-field-error="at"' in text(future)
    page = text(client.get(reverse("eldercare-home-detail", args=[w.home.pk]), {"tab": "patrols"}))
    assert "寝室、厨房" in page


def test_a_township_worker_edits_the_home_and_the_county_adds_a_county_home(users, homes_world, client_for):
    w = homes_world
    edit = reverse("eldercare-home-edit", args=[w.home.pk])
    data = {"name": "汉葭敬老院", "kind": "township", "township": w.home.township_id, "beds": 30, "status": "open"}
    assert client_for("caseworker").post(edit, {**data, "bank_account": ""}).status_code == 302
    w.home.refresh_from_db()
    assert w.home.beds == 30 and w.home.bank_account == ""
    response = client_for("county_staff").post(
        reverse("eldercare-home-new"), {**data, "name": "县社会福利院", "kind": "county", "township": ""}
    )
    assert response.status_code == 302
    refused = client_for("caseworker").post(
        reverse("eldercare-home-new"), {**data, "name": "偷建", "kind": "county", "township": ""}
    )
    assert refused.status_code == 403


def test_a_granted_auditor_reading_the_residents_is_logged(users, homes_world, client_for):
    from cases.models import SensitiveAccessLog

    w = homes_world
    services.add_residence(actor=users["caseworker"], home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1))
    auditor = users["auditor"]
    auditor.full_identity_access = True
    auditor.save()
    page = text(client_for("auditor").get(reverse("eldercare-home-detail", args=[w.home.pk])))
    assert w.elder.id_number in page
    log = SensitiveAccessLog.objects.get()
    assert (log.user, log.member, log.action, log.what) == (auditor, w.elder, "view", "汉葭敬老院入住人员")
