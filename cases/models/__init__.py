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
from cases.models.rolls import RollImport, RollKind, RollRecord

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
    "RollImport",
    "RollKind",
    "RollRecord",
    "SensitiveAccessLog",
    "Township",
    "User",
    "Village",
    "WindowStaff",
]
