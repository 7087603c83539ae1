"""Childcare and special groups (儿童关爱): left-behind children, orphans and de-facto unsupported children, children
in difficulty (``children``); left-behind women and the disabled persons ledger (``groups``); the app's alerts
(``alerts``)."""

from childcare.models.alerts import ChildAlert
from childcare.models.children import *  # noqa: F403
from childcare.models.groups import *  # noqa: F403

__all__ = ["ChildAlert"]
