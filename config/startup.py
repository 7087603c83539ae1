"""Start-up checks shared by manage.py, the WSGI app and Celery workers: one Chinese line and a non-zero exit
instead of a traceback when the database or Redis cannot be reached or the database is not migrated."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import quote

import psycopg

# manage.py commands that need no database at all, and those that need one but not its tables.
OFFLINE_COMMANDS = frozenset(
    {
        "help", "version", "--help", "--version", "-h", "collectstatic", "makemigrations", "check", "diffsettings",
        "startapp", "startproject", "compilemessages", "makemessages", "lint",
    }
)  # fmt: skip
SCHEMA_COMMANDS = frozenset(
    {
        "migrate", "showmigrations", "sqlmigrate", "squashmigrations", "optimizemigration", "dbshell", "shell",
        "flush", "sqlflush", "sqlsequencereset", "inspectdb", "createcachetable", "test", "testserver",
    }
)  # fmt: skip

NOT_MIGRATED = "数据库尚未初始化：请先运行 make run 或 python manage.py migrate。"


def stop(message: str) -> NoReturn:
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(1)


def database_url(conf: Mapping[str, Any]) -> str:
    """A ``postgres://`` URL for a Django database dict; a socket directory as host is percent-quoted."""
    auth = quote(conf.get("USER") or "", safe="")
    if conf.get("PASSWORD"):
        auth += ":" + quote(conf["PASSWORD"], safe="")
    host = quote(conf.get("HOST") or "", safe="")
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(conf['NAME'], safe='')}"


def _where(conf: Mapping[str, Any]) -> str:
    host = conf.get("HOST") or "localhost"
    return f"{host}:{conf['PORT']}" if conf.get("PORT") else host


def exit_unless_database_reachable(conf: Mapping[str, Any]) -> None:
    """Stop at once, with one line naming the host (never the password), when the database does not answer."""
    try:
        psycopg.connect(
            host=conf.get("HOST") or None,
            port=conf.get("PORT") or None,
            user=conf.get("USER") or None,
            password=conf.get("PASSWORD") or None,
            dbname=conf.get("NAME") or None,
            connect_timeout=5,
        ).close()
    except psycopg.OperationalError:
        stop(f"无法连接数据库 {_where(conf)}（数据库 {conf.get('NAME')}）：请检查 DATABASE_URL 与数据库服务。")


def exit_unless_redis_reachable(url: str) -> None:
    """Stop at once, with one line naming the server (never the password), when Redis does not answer."""
    import redis

    from config.services import redis_py_url

    client = redis.Redis.from_url(redis_py_url(url), socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        kwargs = client.connection_pool.connection_kwargs
        where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        stop(f"无法连接 Redis {where}：请检查 REDIS_URL 与 Redis 服务。")
    finally:
        client.close()


def exit_unless_migrated() -> None:
    """Stop with one line when the database lacks tables or has migrations not yet applied."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        stop(NOT_MIGRATED)


def django_setup() -> None:
    """``django.setup()``; a settings problem (no DATABASE_URL, production without a key) is one line."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        stop(str(error))


def check_services(*, redis: bool = True, migrated: bool = True) -> None:
    """After settings are loaded: database reachable, then Redis reachable, then the schema up to date."""
    from django.conf import settings
    from django.db import connections

    exit_unless_database_reachable(connections["default"].settings_dict)
    if redis:
        exit_unless_redis_reachable(settings.REDIS_URL)
    if migrated:
        exit_unless_migrated()


def preflight(command: str) -> None:
    """What manage.py checks before running ``command``."""
    if command in OFFLINE_COMMANDS:
        return
    django_setup()
    needs_schema = command not in SCHEMA_COMMANDS
    check_services(redis=needs_schema, migrated=needs_schema)
