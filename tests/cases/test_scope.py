"""Who sees what: one selector decides, pages follow it, and everything needs a login."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases import selectors
from cases.models import Township, Village

pytestmark = pytest.mark.django_db


def test_township_user_sees_only_own_township(users, villages, township_a):
    user = users["caseworker"]
    assert list(selectors.visible_townships(user)) == [township_a]
    assert set(selectors.visible_villages(user)) == {villages["a"]}
    assert list(selectors.scope(Village.objects.all(), user)) == [villages["a"]]


@pytest.mark.parametrize("role", ["county_staff", "county_admin", "auditor"])
def test_county_level_users_see_every_township(users, villages, role):
    assert selectors.visible_townships(users[role]).count() == 39
    assert set(selectors.visible_villages(users[role])) >= {villages["a"], villages["b"]}


def test_inactive_user_sees_nothing(users, villages):
    user = users["county_staff"]
    user.is_active = False
    assert not selectors.visible_townships(user).exists()


@pytest.mark.parametrize("role", ["caseworker", "reviewer"])
def test_township_user_gets_404_for_another_township(client_for, role, township_b, villages):
    response = client_for(role).get(reverse("township-detail", args=[township_b.pk]))
    assert response.status_code == 404
    assert "乙村" not in response.content.decode()


@pytest.mark.parametrize("role", ["caseworker", "reviewer"])
def test_township_user_sees_own_villages(client_for, role, township_a, villages):
    response = client_for(role).get(reverse("township-detail", args=[township_a.pk]))
    assert response.status_code == 200
    assert "甲村" in response.content.decode()


def test_township_list_for_township_user_shows_only_own(client_for, township_a):
    body = client_for("caseworker").get(reverse("township-list")).content.decode()
    assert township_a.name in body
    assert "郁山镇" not in body


@pytest.mark.parametrize("role", ["county_staff", "auditor"])
def test_county_user_lands_on_township_list(client_for, role):
    response = client_for(role).get("/")
    assert response.status_code == 302
    assert response.url == reverse("township-list")
    page = client_for(role).get(reverse("township-list"))
    assert page.context["townships"].count() == 39


def test_caseworker_lands_on_own_township(client_for, township_a):
    response = client_for("caseworker").get("/")
    assert response.url == reverse("township-detail", args=[township_a.pk])


def test_township_search(client_for):
    page = client_for("county_staff").get(reverse("township-list"), {"q": "街道"})
    assert [t.name for t in page.context["townships"]] == ["汉葭街道", "绍庆街道", "靛水街道"]


def test_identity_visibility_by_role(users):
    assert selectors.can_see_full_identity(users["county_staff"])
    assert selectors.can_see_full_identity(users["caseworker"])
    assert not selectors.can_see_full_identity(users["auditor"])
    users["auditor"].full_identity_access = True
    assert selectors.can_see_full_identity(users["auditor"])


def _all_page_urls() -> list[str]:
    """Every named URL of our own pages (not the admin, the API or static), with 1 for each argument."""
    urls = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith(("admin/", "api/")):
                    continue
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name and not str(p.pattern).startswith("api/"):
                route = prefix + str(p.pattern)
                urls.append("/" + re.sub(r"<int:\w+>", "1", re.sub(r"<str:\w+>", "x", route)))

    walk(get_resolver().url_patterns)
    return urls


def test_every_page_needs_login(db):
    urls = _all_page_urls()
    assert "/townships/" in urls
    public = {"/accounts/login/", "/healthz"}
    assert "/households/1/members/new/" in urls
    for url in urls:
        response = Client().get(url)
        if url in public:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_api_needs_authentication(db, url):
    assert Client().get(url).status_code in {401, 403}


def test_api_schema_for_logged_in_user(client_for):
    assert client_for("caseworker").get("/api/schema/").status_code == 200


def test_admin_is_for_county_admins_only(client_for):
    assert client_for("county_admin").get("/admin/").status_code == 200
    for role in ["caseworker", "county_staff", "auditor"]:
        response = client_for(role).get("/admin/")
        assert response.status_code == 302, role


def test_role_and_township_must_match(township_a):
    from django.core.exceptions import ValidationError

    from cases.models import User

    with pytest.raises(ValidationError):
        User(username="x", role=User.Role.CASEWORKER, township=None).full_clean()
    with pytest.raises(ValidationError):
        User(username="y", role=User.Role.COUNTY_STAFF, township=township_a).full_clean()
    Township.objects.get(pk=township_a.pk)  # untouched
