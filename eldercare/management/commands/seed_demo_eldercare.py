"""``manage.py seed_demo_eldercare [--if-empty]``: the demo townships' eldercare records (``eldercare.demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.models import User
from eldercare.demo import seed
from eldercare.models import NursingHome

DEMO_CASEWORKERS = {"汉葭街道": "jingban", "郁山镇": "jingban_ys"}


class Command(BaseCommand):
    help = "为演示乡镇生成养老服务演示数据（敬老院、值班巡查、隐患、留守老年人及探访）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有敬老院时不生成。")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and NursingHome.objects.exists():
            self.stdout.write("已有养老服务数据，未生成。")
            return
        actors = {t: User.objects.filter(username=u).first() for t, u in DEMO_CASEWORKERS.items()}
        if not all(actors.values()):
            raise CommandError("没有演示账号：请先运行 seed_demo。")
        made = seed(actors)  # type: ignore[arg-type]
        self.stdout.write(
            f"已生成：敬老院 {made['homes']} 个，留守老年人 {made['elders']} 人，探访 {made['visits']} 次。"
        )
