"""``manage.py evaluate FILE.json``: the what-if evaluator on the command line (evaluate.md).

Prints the result JSON on standard output. A bad request (invalid JSON and an unreadable file too) exits with
status 2 and one "field: 说明" line per problem on standard error. Parameters are read from the table for the 1st
of the request's month; nothing is written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assistance.policy.evaluate import RequestErrors, evaluate_request, load_request_json, parse_request
from assistance.selectors import month_lookup
from core.commands import use_utf8

EXIT_BAD_REQUEST = 2

_OS_PROBLEMS = {FileNotFoundError: "文件不存在", IsADirectoryError: "这是一个目录", PermissionError: "没有读取权限"}


def read_request(source: str, stdin: Any) -> Any:
    """The JSON value in the file ``source`` (``-``: ``stdin``); ``RequestErrors`` when it cannot be read."""
    try:
        if source == "-":
            stream = getattr(stdin, "buffer", stdin)
            raw = stream.read()
        else:
            raw = Path(source).read_bytes()
    except OSError as problem:
        why = next((text for kind, text in _OS_PROBLEMS.items() if isinstance(problem, kind)), problem.strerror)
        raise RequestErrors([f"file: 无法读取 {source}：{why}"]) from None
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise RequestErrors(["request: 应为 UTF-8 编码的 JSON 文本"]) from None
    return load_request_json(text)


class Command(BaseCommand):
    help = "测算一户的救助结果（evaluate.md，只读）：读取请求 JSON 文件（- 表示标准输入），输出结果 JSON。"
    # call_command(..., stdin=stream) reads the request from ``stream`` instead of sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="请求 JSON 文件；- 表示从标准输入读取")

    def handle(self, *args: Any, **options: Any) -> None:
        use_utf8(self.stdout, self.stderr)
        try:
            request = parse_request(read_request(options["file"], options.get("stdin") or sys.stdin))
            result = evaluate_request(request, month_lookup(request.month))
        except RequestErrors as problem:
            for line in problem.errors:
                self.stderr.write(line)
            raise SystemExit(EXIT_BAD_REQUEST) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
