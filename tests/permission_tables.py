"""Answers shared by the written-out permission matrices of the apps: per role, (an object of township A, one of
township B). Caseworker and reviewer work in township A, caseworker_b in township B; county users and the auditor
have no township."""

from __future__ import annotations

ROLES = ["caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin", "auditor"]
T, F = True, False


def by_role(*answers: tuple[bool, bool], roles: list[str] = ROLES) -> dict[str, tuple[bool, bool]]:
    """One row of a matrix: the answers of the roles, in the order of ``roles`` (one answer for each)."""
    return dict(zip(roles, answers, strict=True))


# fmt: off
#                               caseworker reviewer caseworker_b county_staff county_admin auditor
TOWNSHIP_WRITERS      = by_role((T, F),    (T, F),  (F, T),      (T, T),      (T, T),      (F, F))
TOWNSHIP_WORKERS_ONLY = by_role((T, F),    (T, F),  (F, T),      (F, F),      (F, F),      (F, F))
COUNTY_WRITERS        = by_role((F, F),    (F, F),  (F, F),      (T, T),      (T, T),      (F, F))
# fmt: on
