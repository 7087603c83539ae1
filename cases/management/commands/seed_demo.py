from __future__ import annotations

from django.core.management.base import BaseCommand

from cases.demo import seed_demo


class Command(BaseCommand):
    help = "生成演示数据（同一 --seed 生成相同数据）：村（社区）、各角色演示账号。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--households", type=int, default=2000, help="演示户数（户籍模块提供后生效）")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--if-empty", action="store_true", help="数据库已有演示数据时不做任何事")

    def handle(self, *args, households: int, seed: int, if_empty: bool, **options):  # type: ignore[no-untyped-def]
        from cases.models import Village

        if if_empty and Village.objects.exists():
            self.stdout.write("已有演示数据，跳过。")
            return
        counts = seed_demo(seed=seed)
        self.stdout.write(self.style.SUCCESS("演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items())))
