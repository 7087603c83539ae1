"""django-import-export resources for admin-sized round trips of households and members (preview, dry run,
row errors named). ID numbers and bank accounts are read and written as text, never as numbers: a cell that a
spreadsheet turned into a number has already lost digits, so it is refused with a message saying how to fix it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from cases.models import Household, Member, Village
from core import exports, idnumber

NUMBER_CELL = "“{label}”列必须设置为文本格式：该单元格是数字（{value}），可能已丢失位数或末位 X。"


class StrictTextWidget(widgets.CharWidget):
    """Text only: a number in the cell is an error, not something to guess digits for."""

    def __init__(self, label: str) -> None:
        super().__init__(coerce_to_string=True, allow_blank=True)
        self.label = label

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(NUMBER_CELL.format(label=self.label, value=value))
        return super().clean(value, row, **kwargs).strip()

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class BomCSV(base_formats.CSV):
    """CSV export for the admin, UTF-8 with a BOM so that Excel opens it as UTF-8 (not GBK). Formulae are escaped
    (``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``) before the BOM goes in front."""

    def export_data(self, dataset: Any, **kwargs: Any) -> str:
        return "\ufeff" + str(super().export_data(dataset, **kwargs))


class ToolkitXLSX(base_formats.XLSX):
    """xlsx export for the admin through ``core.exports`` (XlsxWriter, constant memory): every cell a text cell,
    written as a string and never as a formula, so IDs and accounts keep every digit and a final X."""

    def export_data(self, dataset: Any, **kwargs: Any) -> bytes:
        columns = [exports.Column(str(title), "id", 20) for title in dataset.headers or []]
        title = dataset.title or "Sheet1"
        return exports.xlsx(lambda book: exports.write_sheet(book, title, columns, dataset))


EXPORT_FORMATS = [BomCSV, ToolkitXLSX]


class HouseholdResource(resources.ModelResource):
    number = fields.Field("number", "户编号", widget=StrictTextWidget("户编号"))
    village = fields.Field("village", "村（社区）代码", widget=widgets.ForeignKeyWidget(Village, "code"))
    address = fields.Field("address", "住址", widget=widgets.CharWidget())
    area_type = fields.Field("area_type", "城乡类别（urban/rural）", widget=widgets.CharWidget())
    phone = fields.Field("phone", "联系电话", widget=StrictTextWidget("联系电话"))

    class Meta:
        model = Household
        import_id_fields = ("number",)
        fields = ("number", "village", "address", "area_type", "phone")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_instance(self, instance: Household, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if instance.village_id:
            instance.township_id = instance.village.township_id


class MemberResource(resources.ModelResource):
    household = fields.Field("household", "户编号", widget=widgets.ForeignKeyWidget(Household, "number"))
    name = fields.Field("name", "姓名", widget=widgets.CharWidget())
    id_number = fields.Field("id_number", "身份证号", widget=StrictTextWidget("身份证号"))
    relation = fields.Field("relation", "与户主关系", widget=widgets.CharWidget())
    ethnicity = fields.Field("ethnicity", "民族", widget=widgets.CharWidget())
    phone = fields.Field("phone", "联系电话", widget=StrictTextWidget("联系电话"))
    work_capacity = fields.Field("work_capacity", "劳动能力", widget=widgets.CharWidget())
    disability_category = fields.Field("disability_category", "残疾类别", widget=widgets.CharWidget())
    disability_grade = fields.Field("disability_grade", "残疾等级", widget=widgets.IntegerWidget())
    poverty_status = fields.Field("poverty_status", "建档立卡状态", widget=widgets.CharWidget())
    bank_name = fields.Field("bank_name", "开户银行", widget=widgets.CharWidget())
    bank_account = fields.Field("bank_account", "银行账号", widget=StrictTextWidget("银行账号"))

    class Meta:
        model = Member
        import_id_fields = ("id_number",)
        fields = (
            "household",
            "name",
            "id_number",
            "relation",
            "ethnicity",
            "phone",
            "work_capacity",
            "disability_category",
            "disability_grade",
            "poverty_status",
            "bank_name",
            "bank_account",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Member.objects.filter(active=True)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        raw = row.get("身份证号")
        if isinstance(raw, str):
            try:
                row["身份证号"] = idnumber.normalize_id_number(raw)
            except idnumber.InvalidIdNumber as error:
                raise ValidationError({"id_number": error.message}) from None

    def import_instance(self, instance: Member, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if instance.id_number and not instance.identity_override_reason:
            instance.birth_date = idnumber.birth_date(instance.id_number)
            instance.sex = idnumber.sex(instance.id_number)
