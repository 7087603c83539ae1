"""``manage.py load_official_calendar``: bring the working-day calendar's official rows up to date after the
``chinesecalendar`` package is updated (a new year's notice). The county's own rows are left alone; running it
again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.calendar import sync_official_days
from core.commands import use_utf8


class Command(BaseCommand):
    help = "按国务院公布的节假日安排（chinesecalendar 包）更新工作日历；本县设定的日期不变。"

    def handle(self, *args: Any, **options: Any) -> None:
        use_utf8(self.stdout, self.stderr)
        loaded = sync_official_days()
        self.stdout.write(
            f"工作日历已更新：新增 {loaded.created} 天，修改 {loaded.updated} 天，删除 {loaded.removed} 天；"
            f"本县设定的 {loaded.county_kept} 天保持不变。"
        )
