"""What a person sees when something is wrong, with DEBUG off as ``make run`` and production serve: Chinese pages in
the site's layout with no URL pattern, path or traceback; a bad query parameter is a 400 or 404, never a 500; a
management command on an unmigrated database or an unreachable Redis is one line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.startup import NOT_MIGRATED, database_url
from tests.helpers import make_household

ROOT = Path(__file__).resolve().parent.parent
# What Django's debug pages and tracebacks contain; none may reach a person.
REVEALING = ("URLconf", "urlpatterns", "Traceback", "Django", "settings.py", "/srv/secret", "RuntimeError", ".py")

HOSTILE_QUERIES = [
    "?month=2026-13",
    "?month=abc",
    "?month=0001-01&year=99999",
    "?page=abc&township=abc&household=abc&member=abc&run=abc&id=abc&status=zzz&benefit=zz&category=zz",
    "?page=%C2%B2&township=%C2%B2&member=%C2%B2&run=%C2%B2&payroll=%C2%B2&entry=%C2%B2&flag=%C2%B2",
    "?household=99999999999999999999&township=-1&village=-1&q=99999999999999999999999",
    "?q=%E2%80%AE%EF%BC%91%EF%BC%92&month=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%90-10",
]


def assert_plain(response, *expected: str) -> None:
    body = response.content.decode()
    for text in expected:
        assert text in body, body[:2000]
    for text in REVEALING:
        assert text not in body, f"{text!r} shown on a {response.status_code} page"


def test_debug_is_off_in_every_served_settings():
    assert settings.DEBUG is False


def test_another_townships_household_is_a_chinese_404(users, villages):
    household = make_household(users["caseworker_b"], villages["b"])
    client = Client(raise_request_exception=False)
    client.force_login(users["caseworker"])
    response = client.get(reverse("household-detail", args=[household.pk]))
    assert response.status_code == 404
    assert_plain(response, "未找到", "不在您的办理范围内", "退出登录")


def test_an_unknown_path_and_a_non_numeric_id_are_a_chinese_404(client_for):
    client = client_for("county_staff")
    for path in ("/no-such-page/", "/households/abc/", "/households/1x/history/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert_plain(response, "未找到")


def test_a_bad_month_is_a_400_naming_the_expected_form(client_for):
    client = client_for("county_staff")
    for month in ("2026-13", "abc", "0001-01", "99999-01"):
        response = client.get(reverse("payroll-list") + f"?month={month}")
        assert response.status_code == 400, month
        assert_plain(response, "月份参数不正确", "年-月")


def test_a_control_character_in_a_query_string_is_a_400(client_for):
    response = client_for("caseworker").get(reverse("household-search") + "?q=%00abc")
    assert response.status_code == 400
    assert_plain(response, "控制字符")


def test_a_refused_page_is_a_chinese_403(client_for):
    response = client_for("caseworker").get("/admin/")
    assert response.status_code in (302, 403)
    response = client_for("caseworker").get(reverse("external-roll-list"))
    assert response.status_code == 403
    assert_plain(response, "无权", "县级用户")


def test_a_stale_form_is_a_chinese_403():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert_plain(response, "页面已过期")


@pytest.mark.urls("tests.error_urls")
def test_a_failure_is_a_chinese_500_that_reveals_nothing(client_for):
    client = client_for("caseworker")
    client.raise_request_exception = False
    response = client.get("/fail/")
    assert response.status_code == 500
    assert_plain(response, "系统出错", "系统管理员")


def _plain_paths(patterns=None, prefix: str = ""):
    """Every URL of the site that takes no path parameter."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _plain_paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern) and "<" not in route and not route.startswith("^"):
            yield "/" + prefix + route


@pytest.mark.parametrize("role", ["caseworker", "reviewer", "county_staff", "county_admin", "auditor"])
def test_no_page_answers_a_bad_query_with_a_server_error(users, villages, role):
    client = Client(raise_request_exception=False)
    client.force_login(users[role])
    paths = sorted({p for p in _plain_paths() if not p.startswith(("/admin/", "/accounts/logout"))})
    assert len(paths) > 30, paths  # the walk found the site
    failures = []
    for path in paths:
        for query in ("", *HOSTILE_QUERIES):
            response = client.get(path + query)
            if response.status_code >= 500:
                failures.append(f"{path}{query} → {response.status_code}")
    assert failures == []


# ---------------------------------------------------------------------------------------------------------------
# Management commands before the database is ready


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def blank_database():
    """A database on the test server with no tables at all."""
    conf = connection.settings_dict
    name = f"blank_{os.getpid()}"
    server = {"host": conf["HOST"] or None, "port": conf["PORT"] or None, "user": conf["USER"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, password=conf["PASSWORD"] or None, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield database_url({**conf, "NAME": name})
    with psycopg.connect(dbname="postgres", autocommit=True, password=conf["PASSWORD"] or None, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.parametrize(
    "command", [["evaluate", "-"], ["seed_demo", "--if-empty"], ["import_rolls", "nowhere.xlsx", "--user", "x"]]
)
def test_a_command_on_an_unmigrated_database_is_one_line(blank_database, command):
    done = _manage(*command, DATABASE_URL=blank_database, REDIS_URL=settings.REDIS_URL)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [NOT_MIGRATED]
    assert done.stdout == ""


def test_migrate_itself_runs_on_an_unmigrated_database(blank_database):
    done = _manage("showmigrations", "cases", DATABASE_URL=blank_database, REDIS_URL=settings.REDIS_URL)
    assert done.returncode == 0, done.stderr
    assert "[ ] 0001_initial" in done.stdout


def test_a_command_with_an_unreachable_redis_is_one_line_without_the_password():
    url = database_url(connection.settings_dict)
    done = _manage("evaluate", "-", DATABASE_URL=url, REDIS_URL="redis://:s3cret@127.0.0.1:1/0")
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("无法连接 Redis 127.0.0.1:1")
    assert "s3cret" not in done.stderr


def test_a_command_with_no_database_configured_is_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    done = subprocess.run(
        [sys.executable, "manage.py", "evaluate", "-"],
        cwd=ROOT,
        env={**env, "PENGSHUI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "DATABASE_URL" in line and "make run" in line


def test_the_connection_url_helper_quotes_a_socket_directory():
    url = database_url({"USER": "postgres", "PASSWORD": "", "HOST": "/srv/var/pgdata", "PORT": "", "NAME": "db"})
    assert url == "postgres://postgres@%2Fsrv%2Fvar%2Fpgdata/db"
    import dj_database_url

    parsed = dj_database_url.parse(url)
    assert (parsed["HOST"], parsed["NAME"], parsed["USER"]) == ("/srv/var/pgdata", "db", "postgres")


# ---------------------------------------------------------------------------------------------------------------
# The edge: what is refused before any view or parser sees it


def test_a_deeply_nested_json_body_is_refused_before_parsing(client_for):
    body = "[" * 100_000 + "]" * 100_000
    response = client_for("caseworker").post("/api/v1/evaluate", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": ["JSON 嵌套层数超过 64 层。"]}


def test_an_ordinary_json_body_passes_the_edge(client_for):
    response = client_for("caseworker").post("/api/v1/evaluate", {"month": "2020-10"}, content_type="application/json")
    assert response.status_code == 400  # the evaluator's own answer: fields are missing, named one per line
    assert all(": " in line for line in response.json()["errors"])


def test_json_depth_skips_brackets_inside_strings():
    from config.middleware import json_depth

    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"") == 0


def test_a_control_character_in_the_path_is_a_400(client_for):
    response = client_for("county_staff").get("/policy/parameters/%00/")
    assert response.status_code == 400
    assert_plain(response, "控制字符")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/households/", "/households/"),
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("9999-12-31", "/fallback/"),
        ("/\\evil.example", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_redirects_after_a_post_stay_on_this_site(rf, target, expected):
    from core.views import next_url

    request = rf.post("/x/", {"next": target})
    assert next_url(request, "/fallback/") == expected
