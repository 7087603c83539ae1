"""Payroll pages, mounted at ``/payments/`` (``path("payments/", include("payments.urls"))``)."""

from django.urls import path

from payments import views

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
]
