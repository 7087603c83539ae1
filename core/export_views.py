"""The export centre's pages: start an export (a file at once, or a job), a job's page (HTMX progress), its
download, and 我的导出. A job and its file are its owner's only: anyone else gets 404."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core import export_centre
from core.export_centre import Params
from core.models import ExportJob
from core.validators import CONTROL_CHARACTERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="导出原因",
        min_length=2,
        max_length=200,
        help_text="本次导出含未成年人或残疾人信息，请说明用途（将记录在导出日志中）。",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if CONTROL_CHARACTERS.search(reason):
            raise forms.ValidationError("导出原因含有不可见的控制字符。")
        if len(reason) < 2:
            raise forms.ValidationError("请填写导出原因。")
        return reason


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def respond(request: HttpRequest, kind: str, params: Params | None = None) -> HttpResponse:
    """Export ``kind`` with ``params`` (default: the query string) for the requesting user: the reason form first
    when the export holds children's or disabled persons' records; then the file (up to ``exports.sync_max_rows``
    rows) or a job and its page."""
    spec = export_centre.get(kind)
    if spec is None:
        raise Http404("未知的导出")
    user = request.user
    params = export_centre.clean_params(request.GET) if params is None else dict(params)
    spec.check(user, params)
    title = spec.title(user, params)
    sensitive = spec.sensitive(user, params)
    reason = ""
    if sensitive:
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if not form.is_valid():
            return render(request, "core/export_reason.html", {"form": form, "title": title})
        reason = form.cleaned_data["reason"]
    total = spec.count(user, params)
    if total > export_centre.sync_max_rows():
        job = export_centre.start_job(user=user, spec=spec, params=params, title=title, total=total, reason=reason)
        messages.info(request, f"共 {total} 行，已转为后台导出任务，完成后可在此下载。")
        return redirect("export-job", pk=job.pk)
    buffer = io.BytesIO()
    rows = export_centre.write(spec, user, params, buffer)
    export_centre.log_download(
        user=user, spec=spec, params=params, title=title, rows=rows, sensitive=sensitive, reason=reason
    )
    return _attachment(buffer.getvalue(), export_centre.filename_for(spec, user, params))


def export_start(request: HttpRequest) -> HttpResponse:
    """``/exports/new/?kind=…&…``: any registered export."""
    return respond(request, request.GET.get("kind", ""))


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    return export_centre.own_job_or_404(request.user, pk)


def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    context = {"job": job, "file_ready": export_centre.job_file(job) is not None}
    if request.headers.get("HX-Request"):
        return render(request, "core/_export_job.html", context)
    return render(request, "core/export_job.html", context)


def export_job_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    job = _own_job(request, pk)
    path = export_centre.job_file(job)
    spec = export_centre.get(job.kind)
    if path is None or spec is None:
        raise Http404("文件不存在或已过期删除")
    spec.check(request.user, job.params)  # the permission again: it may have changed since the job ran
    export_centre.log_download(
        user=request.user,
        spec=spec,
        params=job.params,
        title=job.title,
        rows=job.rows_done,
        sensitive=bool(job.reason),
        reason=job.reason,
        job=job,
    )
    filename = export_centre.filename_for(spec, request.user, job.params)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)


def my_exports(request: HttpRequest) -> HttpResponse:
    jobs = export_centre.recent_jobs(request.user)
    downloads = export_centre.recent_downloads(request.user)
    running = any(job.running for job in jobs)
    context = {"jobs": jobs, "downloads": downloads, "running": running}
    if request.headers.get("HX-Request"):
        return render(request, "core/_export_jobs.html", context)
    return render(request, "core/my_exports.html", context)
