"""Where later layers plug into the case registry without cases importing them (data flows one way).

* ``application_approved``: sent inside the approving transaction when the county approves an application; the
  policy engine (assistance) creates the enrollments from it. ``sender`` is Application; kwargs ``application``
  and ``actor``.
* ``member_died``: sent when a member's date of death is first recorded (kwargs ``member``, ``actor``);
  the enrollments of that person end after the month of death.
"""

from __future__ import annotations

from django.dispatch import Signal

application_approved = Signal()
member_died = Signal()
