"""Payroll pages, mounted at ``/payments/`` (``path("payments/", include("payments.urls"))``)."""

from django.urls import path

from payments import views, views_extra

urlpatterns = [
    path("", views.payroll_list, name="payroll-list"),
    path("export/", views.month_export, name="payroll-month-export"),
    path("generate/", views.payroll_generate, name="payroll-generate"),
    path("bank-layout/", views.bank_layout, name="payroll-bank-layout"),
    path("<int:pk>/", views.payroll_detail, name="payroll-detail"),
    path("<int:pk>/regenerate/", views.payroll_regenerate, name="payroll-regenerate"),
    path("<int:pk>/submit/", views.payroll_submit, name="payroll-submit"),
    path("<int:pk>/return/", views.payroll_return, name="payroll-return"),
    path("<int:pk>/approve/", views.payroll_approve, name="payroll-approve"),
    path("<int:pk>/disburse/", views.payroll_disburse, name="payroll-disburse"),
    path("<int:pk>/bank.<str:fmt>", views.payroll_bankfile, name="payroll-bankfile"),
    path("<int:pk>/reconcile/", views.payroll_reconcile, name="payroll-reconcile"),
    path("<int:pk>/reissue/", views.payroll_reissue, name="payroll-reissue"),
    path("<int:pk>/export/", views.payroll_export, name="payroll-export"),
    # Price subsidy, back pay and overpayments, timeliness (views_extra).
    path("price-subsidy/", views_extra.price_subsidy_list, name="price-subsidy-list"),
    path("back-pay/", views_extra.back_pay_list, name="back-pay-list"),
    path("back-pay/start/", views_extra.back_pay_start, name="back-pay-start"),
    path("back-pay/<int:pk>/", views_extra.back_pay_run_detail, name="back-pay-run"),
    path("overpayments/<int:pk>/resolve/", views_extra.overpayment_resolve, name="overpayment-resolve"),
    path("timeliness/", views_extra.timeliness_report, name="timeliness-report"),
    path("timeliness/check/", views_extra.timeliness_check, name="timeliness-check"),
]
