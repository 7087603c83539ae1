"""The county's working-day calendar: public holidays (休) and make-up working days (调休上班)."""

from __future__ import annotations

from django.db import models


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "节假日（休）"
        WORKDAY = "workday", "调休上班"

    class Source(models.TextChoices):
        """Official rows come from the State Council's notices (the ``chinesecalendar`` package, loaded by
        ``load_official_calendar``); the county's own rows (entered in the admin) win for the same date."""

        OFFICIAL = "official", "国务院公布"
        COUNTY = "county", "本县设定"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    name = models.CharField("名称", max_length=32, blank=True)
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.COUNTY)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "工作日历"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
