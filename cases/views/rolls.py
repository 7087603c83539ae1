"""External rolls (外部名单): the list of imports, upload → preview → confirm, and an import's records.

County users and county auditors see the imports; county staff and admins import. The uploaded file waits in the
pending-upload store (``core.uploads``, MEDIA_ROOT/pending/) between the preview and the confirmation, named by a
signed token bound to the uploader and the roll (``cases.rolls.services.stash_pending``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import permissions, selectors, services
from cases.models import RollKind
from cases.rolls.columns import all_kind_headers
from cases.rolls.parser import RollRefused
from cases.rolls.selectors import RECORD_FILTERS, record_row, roll_imports, roll_records
from cases.rolls.services import commit_roll, discard_pending, load_pending, preview_roll, stash_pending
from core.validators import GuardedForm
from core.views import apply_errors, posted, refuse

PAGE_SIZE = 50
NOT_COUNTY = permissions.ROLLS_COUNTY_ONLY
NOT_IMPORTER = "只有县民政局工作人员可以导入外部名单。"


class RollUploadForm(GuardedForm, forms.Form):
    kind = forms.ChoiceField(
        label="名单",
        choices=[("", "请选择名单"), *RollKind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label="文件",
        help_text="Excel（.xlsx）或 CSV（UTF-8 或 GB18030 编码）；身份证号、户编号列须设置为文本格式。",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.xls,.csv,.txt"}),
    )


@require_GET
def roll_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_rolls(request.user):
        return refuse(request, NOT_COUNTY, 403)
    page = Paginator(roll_imports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "cases/rolls_list.html", {"page": page, "can_import": permissions.can_import_rolls(request.user)}
    )


@require_http_methods(["GET", "POST"])
def roll_import(request: HttpRequest) -> HttpResponse:
    if not permissions.can_import_rolls(request.user):
        return refuse(request, NOT_IMPORTER, 403)
    data, files = posted(request)
    form = RollUploadForm(data, files, initial={"kind": request.GET.get("kind", "")})
    if form.is_valid():
        upload = form.cleaned_data["file"]
        file_bytes, kind = upload.read(), form.cleaned_data["kind"]
        try:
            report = preview_roll(actor=request.user, kind=kind, file_bytes=file_bytes, filename=upload.name)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            token = ""
            if not report.refused and report.existing is None:
                token = stash_pending(actor=request.user, kind=kind, file_bytes=file_bytes, filename=upload.name)
            return render(request, "cases/rolls_preview.html", {"report": report, "token": token})
    return render(request, "cases/rolls_import.html", {"form": form, "kinds": all_kind_headers()})


@require_POST
def roll_confirm(request: HttpRequest) -> HttpResponse:
    if not permissions.can_import_rolls(request.user):
        return refuse(request, NOT_IMPORTER, 403)
    token = request.POST.get("token", "")
    try:
        kind, file_bytes, filename = load_pending(actor=request.user, token=token)
        imported = commit_roll(actor=request.user, kind=kind, file_bytes=file_bytes, filename=filename)
    except RollRefused as refused:
        return render(request, "cases/rolls_preview.html", {"report": refused.report, "token": ""}, status=422)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("external-roll-import")
    discard_pending(token)
    if imported.reused:
        messages.info(request, f"该文件已于 {imported.imported_at:%Y-%m-%d %H:%M} 导入过，本次没有重复导入。")
    else:
        messages.success(request, f"已导入{imported.get_kind_display()} {imported.row_count} 行，现为当前生效的名单。")
    return redirect("external-roll-detail", pk=imported.pk)


@require_GET
def roll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.can_view_rolls(request.user):
        return refuse(request, NOT_COUNTY, 403)
    imported = selectors.get_roll_import(pk)
    show = request.GET.get("show", "all")
    show = show if show in RECORD_FILTERS else "all"
    page = Paginator(roll_records(imported, show), PAGE_SIZE).get_page(request.GET.get("page"))
    full = permissions.can_see_full_identity(request.user)
    if full and permissions.is_granted_auditor(request.user):  # an auditor's full view is logged
        members = [record.member for record in page if record.member is not None]
        services.log_sensitive_access(
            actor=request.user, members=members, action="view", what=f"外部名单 {imported.original_name}"
        )
    rows = [record_row(record, imported.kind, full_identity=full) for record in page]
    filters = [(key, label) for key, (label, _) in RECORD_FILTERS.items()]
    context = {
        "imported": imported,
        "page": page,
        "rows": rows,
        "show": show,
        "filters": filters,
        "full": full,
        "export_query": urlencode({"roll": imported.pk, "show": show}),
    }
    return render(request, "cases/rolls_detail.html", context)


@require_GET
def roll_file(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.can_view_rolls(request.user):
        return refuse(request, NOT_COUNTY, 403)
    if not permissions.can_download_roll_file(request.user):
        return refuse(request, "原始文件含完整身份证号，需县民政局授权后才能下载。", 403)
    imported = selectors.get_roll_import(pk)
    try:
        handle = imported.file.open("rb")
    except FileNotFoundError:
        return refuse(request, "该批次的原始文件已不在文件存储中，请联系县民政局系统管理员。", 404)
    return FileResponse(handle, as_attachment=True, filename=imported.original_name)
