"""Go-live import of the existing 低保 and 特困 rolls (``assistance.roll_import``): upload a file, read the preview
(counts, problems by row and column, what would be created), then confirm to import exactly the previewed file.

Between preview and confirmation the uploaded bytes wait in the pending-upload store (``core.uploads``: under
``MEDIA_ROOT/pending/`` with a random name); the confirmation carries a signed token naming that file, its
uploader, the kind of import and its SHA-256, valid for two hours, so only the person who previewed it can import
it, and only unchanged. The file is removed after the import; files left behind by previews never confirmed are
removed at the next upload once expired. Auditors get 403.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assistance import permissions
from assistance.forms import RollConfirmForm
from assistance.roll_import import FORMAT_COLUMNS, MAX_BYTES, OPTIONAL, REQUIRED, ImportReport, import_roll
from cases.models import User
from core import exports, uploads
from core.validators import GuardedForm
from core.views import next_url, posted, refused_unless

UPLOAD_KIND = "assistance.roll-import"
TOKEN_MAX_AGE = 2 * 3600
PREVIEW_ROWS = 200
EXPIRED = "预览已失效（超过两小时、已经导入过或不是您上传的文件）。请重新上传文件并预览。"


class RollUploadForm(GuardedForm, forms.Form):
    file = forms.FileField(
        label="在册名单文件",
        help_text="Excel（.xlsx、.xls）或 CSV（UTF-8 或 GB18030 编码），不超过 10 MB。",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.xls,.csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("文件超过 10 MB。请分成几个文件导入。")
        return upload


def _keep(user: User, data: bytes, filename: str) -> str:
    """Store the previewed bytes; the signed token that lets this user import them."""
    return uploads.stash(user.pk, UPLOAD_KIND, data, filename)


def _kept(user: User, token: str) -> tuple[bytes, str] | None:
    """The stored file a token names, when the token is this user's, unexpired, and the file is unchanged."""
    try:
        return uploads.load(user.pk, UPLOAD_KIND, token, max_age=TOKEN_MAX_AGE)
    except ValidationError:
        return None


def _preview(request: HttpRequest, report: ImportReport, token: str = "") -> HttpResponse:
    context = {
        "report": report,
        "token": token,
        "planned": report.planned[:PREVIEW_ROWS],
        "planned_more": max(0, len(report.planned) - PREVIEW_ROWS),
    }
    return render(request, "assistance/roll_preview.html", context)


@refused_unless(permissions.ensure_import_roll)
def roll_import(request: HttpRequest) -> HttpResponse:
    """Upload form with the file format; a valid upload is previewed (nothing written)."""
    form = RollUploadForm(*posted(request))
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        report = import_roll(actor=request.user, file_bytes=data, filename=upload.name, commit=False)
        token = _keep(request.user, data, upload.name) if report.ok and report.to_create else ""
        return _preview(request, report, token)
    context = {
        "form": form,
        "columns": FORMAT_COLUMNS,
        "required": REQUIRED,
        "optional": OPTIONAL,
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return render(request, "assistance/roll_import.html", context)


@refused_unless(permissions.ensure_import_roll)
@require_POST
def roll_import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the previewed file: all rows or, if anything is wrong now, nothing."""
    form = RollConfirmForm(request.POST)
    kept = _kept(request.user, form.cleaned_data["token"]) if form.is_valid() else None
    if kept is None:
        messages.error(request, EXPIRED)
        return redirect(next_url(request, reverse("roll-import")))
    data, filename = kept
    try:
        report = import_roll(actor=request.user, file_bytes=data, filename=filename, commit=True)
    finally:
        uploads.discard(form.cleaned_data["token"])
    if not report.ok:
        return _preview(request, report)
    messages.success(
        request, f"已导入 {report.created} 条在册记录（{filename}）；已在册跳过 {report.skipped} 条。操作已记入历史。"
    )
    return redirect(next_url(request, reverse("roll-import")))


def roll_template(request: HttpRequest) -> HttpResponse:
    """An empty roll file with the headers (frozen), the ID column formatted as text (``core.exports``)."""
    columns = [
        exports.Column(name, "id" if index == 0 else "text", 22 if index == 0 else 14)
        for index, (name, _, _) in enumerate(FORMAT_COLUMNS)
    ]
    content = exports.xlsx(lambda book: exports.write_sheet(book, "在册名单", columns, []))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roll-template.xlsx"
    return response
