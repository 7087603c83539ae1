"""The payments pages: payrolls, price subsidy, back pay and overpayments, timeliness."""

from core.views import refused_unless
from payments import permissions as perms

writes = refused_unless(perms.ensure_write_payments)  # every write page: an auditor is refused first
