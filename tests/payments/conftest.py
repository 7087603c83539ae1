"""A small county for the payments tests: township A (汉葭街道) with a 低保 household, a 集中供养 特困 person, an
orphan paid to a guardian; township B (郁山镇) with one 低保 household."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from eldercare.models import NursingHome, Residence
from tests.helpers import enroll, make_household, make_member

OCT = date(2020, 10, 1)
NOV = date(2020, 11, 1)
PAYROLL_POST_PAGES = [
    "payroll-regenerate",
    "payroll-submit",
    "payroll-return",
    "payroll-approve",
    "payroll-disburse",
    "payroll-reconcile",
    "payroll-reissue",
]  # the URL names of the writes on one payroll


@pytest.fixture
def county(users, villages):
    cw, cw_b = users["caseworker"], users["caseworker_b"]
    dibao_home = make_household(cw, villages["a"], area_type="rural")
    head = make_member(
        cw, dibao_home, name="张大山", relation="head", bank_name="彭水农商行", bank_account="6228480000000000011"
    )
    make_member(cw, dibao_home, name="张小花", relation="child", born=date(2012, 3, 1))
    dibao = enroll(dibao_home, "dibao", "1024.00")

    elder_home = make_household(cw, villages["a"])
    elder = make_member(cw, elder_home, name="李老汉", relation="head", born=date(1935, 1, 1))
    tekun = enroll(
        elder_home, "tekun", "1006.00", member=elder, support_mode="centralized", institution_name="汉葭敬老院"
    )
    # 集中供养: paid to the home of the person's residence (eldercare), no longer matched by institution name
    home = NursingHome.objects.create(
        township=villages["a"].township,
        name="汉葭敬老院",
        credit_code="12500243MB0000000X",
        bank_name="彭水农商行",
        bank_account="6228480000000000999",
    )
    Residence.objects.create(member=elder, home=home, kind="tekun", enrollment=tekun, start=date(2020, 1, 1))

    orphan_home = make_household(cw, villages["a"])
    grandpa = make_member(cw, orphan_home, name="王爷爷", relation="head", born=date(1950, 1, 1))
    guardian_id = grandpa.id_number
    orphan = make_member(
        cw,
        orphan_home,
        name="王小宝",
        relation="grandchild",
        born=date(2014, 6, 1),
        child_status="orphan_community",
        bank_name="邮储银行",
        bank_account="6210980000000000022",
        payee_kind="guardian",
        payee_name="王爷爷",
        payee_id_number=guardian_id,
    )
    orphan_allowance = enroll(orphan_home, "orphan_allowance", "1256.00", member=orphan)

    b_home = make_household(cw_b, villages["b"])
    b_head = make_member(
        cw_b, b_home, name="郁山户主", relation="head", bank_name="农行", bank_account="6228480000000000033"
    )
    b_dibao = enroll(b_home, "dibao", "496.00")
    return SimpleNamespace(
        dibao_home=dibao_home,
        head=head,
        dibao=dibao,
        elder=elder,
        tekun=tekun,
        orphan=orphan,
        guardian_id=guardian_id,
        orphan_allowance=orphan_allowance,
        b_home=b_home,
        b_head=b_head,
        b_dibao=b_dibao,
    )
