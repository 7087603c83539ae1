"""Eldercare (养老服务): nursing homes and their residents, staff, duty and patrols (``homes``); inspections,
hazards, resident safety and renovation (``safety``); 集中供养 willingness, community care coverage and
left-behind elderly with visits (``people``); the app's alerts (``alerts``)."""

from eldercare.models.alerts import ElderAlert
from eldercare.models.homes import *  # noqa: F403
from eldercare.models.people import *  # noqa: F403
from eldercare.models.safety import *  # noqa: F403

__all__ = ["ElderAlert"]
