"""Payroll pages, mounted at ``/payments/`` (``path("payments/", include("payments.urls"))``), and the payments API
(``api_urlpatterns``, at ``/api/v1/``)."""

from django.urls import path

from payments import api
from payments.views import back_pay, payrolls, price_subsidy, timeline, timeliness

urlpatterns = [
    path("", payrolls.payroll_list, name="payroll-list"),
    path("export/", payrolls.month_export, name="payroll-month-export"),
    path("generate/", payrolls.payroll_generate, name="payroll-generate"),
    path("bank-layout/", payrolls.bank_layout, name="payroll-bank-layout"),
    path("<int:pk>/", payrolls.payroll_detail, name="payroll-detail"),
    path("<int:pk>/regenerate/", payrolls.payroll_regenerate, name="payroll-regenerate"),
    path("<int:pk>/submit/", payrolls.payroll_submit, name="payroll-submit"),
    path("<int:pk>/return/", payrolls.payroll_return, name="payroll-return"),
    path("<int:pk>/approve/", payrolls.payroll_approve, name="payroll-approve"),
    path("<int:pk>/disburse/", payrolls.payroll_disburse, name="payroll-disburse"),
    path("<int:pk>/bank.<str:fmt>", payrolls.payroll_bankfile, name="payroll-bankfile"),
    path("<int:pk>/reconcile/", payrolls.payroll_reconcile, name="payroll-reconcile"),
    path("<int:pk>/reissue/", payrolls.payroll_reissue, name="payroll-reissue"),
    path("<int:pk>/export/", payrolls.payroll_export, name="payroll-export"),
    path("price-subsidy/", price_subsidy.price_subsidy_list, name="price-subsidy-list"),
    path("back-pay/", back_pay.back_pay_list, name="back-pay-list"),
    path("back-pay/start/", back_pay.back_pay_start, name="back-pay-start"),
    path("back-pay/<int:pk>/", back_pay.back_pay_run_detail, name="back-pay-run"),
    path("overpayments/<int:pk>/resolve/", back_pay.overpayment_resolve, name="overpayment-resolve"),
    path("timeliness/", timeliness.timeliness_report, name="timeliness-report"),
    path("timeliness/check/", timeliness.timeliness_check, name="timeliness-check"),
    path("households/<int:household_pk>/timeline/", timeline.household_timeline, name="household-timeline"),
]

api_urlpatterns = [
    path("households/<int:pk>/timeline/", api.HouseholdTimelineView.as_view(), name="api-household-timeline"),
]
