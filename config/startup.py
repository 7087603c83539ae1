"""Start-up checks shared by manage.py, the WSGI app and Celery workers."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import dj_database_url
import psycopg


def exit_unless_database_reachable(settings_dict: Mapping[str, Any] | None = None) -> None:
    """Stop at once, with one line naming the host (never the password), when the database does not answer.

    ``settings_dict`` is a Django database dict; by default the one DATABASE_URL (or the embedded services) names.
    """
    conf: Mapping[str, Any]
    if settings_dict is None:
        from config.services import resolve_urls

        url = resolve_urls().database_url
        if not url:
            return  # settings explain what is missing
        conf = dj_database_url.parse(url)
    else:
        conf = settings_dict
    host = conf.get("HOST") or "localhost"
    where = f"{host}:{conf['PORT']}" if conf.get("PORT") else host
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
        message = f"无法连接数据库 {where}（数据库 {conf.get('NAME')}）：请检查 DATABASE_URL 与数据库服务。"
        print(message, file=sys.stderr)
        raise SystemExit(1) from None
