from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.demo import ResetRefused, reset_households, seed_demo, vacuum_households


class Command(BaseCommand):
    help = "生成演示数据（同一 --seed 生成相同数据）：村（社区）、各角色演示账号、家庭及成员。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--households", type=int, default=2000, help="新增演示户数（0 = 只生成村和账号）")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--if-empty", action="store_true", help="数据库已有演示数据时不做任何事")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除全部家庭、成员及其收入、支出、财产记录（与生成在同一事务中：要么全部完成，要么全不做）",
        )
        parser.add_argument("--history", action="store_true", help="为演示数据记录历史（较慢）")

    def handle(  # type: ignore[no-untyped-def]
        self, *args, households: int, seed: int, if_empty: bool, reset: bool, history: bool, **options
    ):
        from cases.models import Village

        if if_empty and Village.objects.exists():
            self.stdout.write("已有演示数据，跳过。")
            return
        with transaction.atomic():
            if reset:
                try:
                    removed = reset_households()
                except ResetRefused as refused:
                    raise CommandError(str(refused)) from refused
                self.stdout.write("已删除：" + "，".join(f"{k} {v}" for k, v in removed.items()))
            counts = seed_demo(seed=seed, households=households, history=history)
        if (reset or counts.get("households")) and vacuum_households():
            self.stdout.write("已整理数据表（VACUUM ANALYZE）。")
        self.stdout.write(self.style.SUCCESS("演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items())))
