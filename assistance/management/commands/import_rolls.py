"""``manage.py import_rolls FILE --user USERNAME [--commit]``: the go-live import of the existing 低保 and 特困
rolls (format: ``assistance.roll_import``).

Without ``--commit`` the file is only checked (nothing is written). Prints the report in Chinese; exits with
status 2 when the file or a row has a problem (with ``--commit`` nothing is written then), 0 otherwise — rows
skipped as already imported are not problems, so importing the same file again exits 0 and changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistance.roll_import import import_roll
from cases.models import User
from core.commands import use_utf8

EXIT_PROBLEMS = 2


class Command(BaseCommand):
    help = "上线导入现有低保、特困在册名单（Excel 或 CSV）。默认只预览，加 --commit 才写入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="在册名单文件（.xlsx / .xls / .csv）")
        parser.add_argument("--user", required=True, help="以该用户的身份和权限导入（用户名）")
        parser.add_argument("--commit", action="store_true", help="没有问题时写入；不加则只预览")

    def handle(self, *args: Any, **options: Any) -> None:
        use_utf8(self.stdout, self.stderr)
        try:
            actor = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"没有用户名为 {options['user']} 的用户。", returncode=EXIT_PROBLEMS) from None
        path = Path(options["file"])
        try:
            file_bytes = path.read_bytes()
        except OSError as problem:
            raise CommandError(f"无法读取 {path}：{problem.strerror}", returncode=EXIT_PROBLEMS) from None
        try:
            report = import_roll(actor=actor, file_bytes=file_bytes, filename=path.name, commit=options["commit"])
        except PermissionDenied as refusal:
            raise CommandError(str(refusal), returncode=EXIT_PROBLEMS) from None
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise SystemExit(EXIT_PROBLEMS)
