"""Fixtures of the registry and intake tests."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import make_household, make_member


@pytest.fixture
def household(users, villages):
    """A household of township A: the head 王大 and a child 王小 born in 2012."""
    household = make_household(users["caseworker"], villages["a"])
    make_member(users["caseworker"], household, name="王大", relation="head")
    make_member(users["caseworker"], household, name="王小", relation="child", born=date(2012, 3, 4))
    return household
