"""``manage.py seed_demo_childcare [--if-empty]``: the demo townships' childcare records (``childcare.demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.models import User
from childcare.demo import seed
from childcare.models import LeftBehindChild

DEMO_CASEWORKERS = {"汉葭街道": "jingban", "郁山镇": "jingban_ys"}


class Command(BaseCommand):
    help = "为演示乡镇生成儿童关爱演示数据（留守儿童及探访、留守妇女）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有留守儿童台账时不生成。")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and LeftBehindChild.objects.exists():
            self.stdout.write("已有儿童关爱数据，未生成。")
            return
        actors = {t: User.objects.filter(username=u).first() for t, u in DEMO_CASEWORKERS.items()}
        if not all(actors.values()):
            raise CommandError("没有演示账号：请先运行 seed_demo。")
        made = seed(actors)  # type: ignore[arg-type]
        self.stdout.write(
            f"已生成：留守儿童 {made['children']} 人，探访 {made['visits']} 次，留守妇女 {made['women']} 人。"
        )
