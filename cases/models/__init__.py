from cases.models.calendar import CalendarDay
from cases.models.facts import AssetRecord, Expenditure, IncomeItem
from cases.models.intake import (
    Application,
    ApplicationBenefit,
    ApplicationTransition,
    Investigation,
    InvestigationAttachment,
    Referral,
    WindowStaff,
)
from cases.models.people import Household, IllnessCatalog, Member, SensitiveAccessLog
from cases.models.regions import COUNTY_CODE, COUNTY_NAME, Township, User, Village

__all__ = [
    "COUNTY_CODE",
    "COUNTY_NAME",
    "Application",
    "ApplicationBenefit",
    "ApplicationTransition",
    "AssetRecord",
    "CalendarDay",
    "Expenditure",
    "Household",
    "IllnessCatalog",
    "IncomeItem",
    "Investigation",
    "InvestigationAttachment",
    "Member",
    "Referral",
    "SensitiveAccessLog",
    "Township",
    "User",
    "Village",
    "WindowStaff",
]
