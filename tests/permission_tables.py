"""Answers shared by the written-out permission matrices of the apps: per role, (an object of township A, one of
township B). Caseworker and reviewer work in township A, caseworker_b in township B; county users and the auditor
have no township."""

from __future__ import annotations

ROLES = ["caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin", "auditor"]
T, F = True, False

TOWNSHIP_WRITERS = {
    "caseworker": (T, F),
    "reviewer": (T, F),
    "caseworker_b": (F, T),
    "county_staff": (T, T),
    "county_admin": (T, T),
    "auditor": (F, F),
}
TOWNSHIP_WORKERS_ONLY = {
    "caseworker": (T, F),
    "reviewer": (T, F),
    "caseworker_b": (F, T),
    "county_staff": (F, F),
    "county_admin": (F, F),
    "auditor": (F, F),
}
COUNTY_WRITERS = {
    "caseworker": (F, F),
    "reviewer": (F, F),
    "caseworker_b": (F, F),
    "county_staff": (T, T),
    "county_admin": (T, T),
    "auditor": (F, F),
}
