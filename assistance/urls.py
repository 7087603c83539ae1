"""Pages mounted at ``/policy/`` (``urlpatterns``) and the API at ``/api/v1/`` (``api_urlpatterns``)."""

from django.urls import path

from assistance import api
from assistance.views import applications, changes, comparison, enrollments, ledgers, parameters, rolls, temporary

urlpatterns = [
    path("parameters/", parameters.parameter_list, name="parameter-list"),
    path("parameters/<str:key>/", parameters.parameter_detail, name="parameter-detail"),
    path("parameters/<str:key>/versions/<int:pk>/confirm/", parameters.parameter_confirm, name="parameter-confirm"),
    path("recompute/", parameters.recompute_list, name="recompute-list"),
    # The application workflow (the county's approval creates the enrollments) and the record of a death.
    path("applications/<int:pk>/act/<str:action>/", applications.application_act, name="application-act"),
    path("members/<int:pk>/death/", applications.record_death, name="member-death"),
    # 临时救助
    path("temporary/", temporary.temporary_list, name="temporary-list"),
    path("temporary/new/", temporary.temporary_new, name="temporary-new"),
    path("temporary/new/level/", temporary.temporary_level, name="temporary-level"),
    path("temporary/<int:pk>/", temporary.temporary_detail, name="temporary-detail"),
    path("temporary/<int:pk>/decide/", temporary.temporary_decide, name="temporary-decide"),
    path("temporary/<int:pk>/followup/", temporary.temporary_followup, name="temporary-followup"),
    # Go-live enrollment import
    path("rolls/import/", rolls.roll_import, name="roll-import"),
    path("rolls/import/confirm/", rolls.roll_import_confirm, name="roll-import-confirm"),
    path("rolls/template.xlsx", rolls.roll_template, name="roll-template"),
    # 信息比对
    path("comparison/", comparison.comparison_list, name="comparison-list"),
    path("comparison/run/", comparison.comparison_run, name="comparison-run"),
    path("comparison/flags/<int:pk>/resolve/", comparison.flag_resolve, name="comparison-flag-resolve"),
    # Determinations, enrollments and exits
    path("households/<int:household_pk>/determination/", enrollments.determination_view, name="determination"),
    path(
        "households/<int:household_pk>/asset-override/",
        enrollments.asset_override_view,
        name="asset-override",
    ),
    path("enrollments/", enrollments.enrollment_list, name="enrollment-list"),
    path("enrollments/<int:pk>/", enrollments.enrollment_detail, name="enrollment-detail"),
    path("enrollments/<int:pk>/exit/", enrollments.exit_request, name="exit-request"),
    path("exit-reviews/<int:pk>/", enrollments.exit_review, name="exit-review"),
    # 待遇调整: confirmed by the township, approved by the county
    path("changes/", changes.change_list, name="amount-change-list"),
    path("changes/<int:pk>/", changes.change_detail, name="amount-change-detail"),
    path("changes/<int:pk>/confirm/", changes.change_confirm, name="amount-change-confirm"),
    path("changes/<int:pk>/decide/", changes.change_decide, name="amount-change-decide"),
    # Monthly ledgers and jobs
    path("ledgers/", ledgers.ledger_list, name="ledger-list"),
    path("ledgers/<int:township_pk>/<str:month>/", ledgers.ledger_detail, name="ledger-detail"),
    path("ledgers/<int:township_pk>/<str:month>/export/", ledgers.ledger_export, name="ledger-export"),
    path("ledgers/<int:township_pk>/<str:month>/submit/", ledgers.ledger_submit, name="ledger-submit"),
    path("ledgers/<int:township_pk>/<str:month>/review/", ledgers.ledger_review, name="ledger-review"),
    path("ledger-entries/<int:pk>/handle/", ledgers.entry_handle, name="ledger-entry-handle"),
    path("jobs/", ledgers.job_list, name="job-list"),
    path("jobs/<int:pk>/", ledgers.job_detail, name="job-detail"),
]

api_urlpatterns = [
    path("evaluate", api.EvaluateView.as_view(), name="api-evaluate"),
    path(
        "applications/<int:pk>/transition/",
        api.ApplicationWorkflowViewSet.as_view({"post": "transition"}),
        name="api-application-transition",
    ),
    path("members/<int:pk>/death/", api.MemberDeathViewSet.as_view({"post": "death"}), name="api-member-death"),
    path("amount-changes/", api.AmountChangeViewSet.as_view({"get": "list"}), name="api-amount-change-list"),
    path(
        "amount-changes/<int:pk>/",
        api.AmountChangeViewSet.as_view({"get": "retrieve"}),
        name="api-amount-change-detail",
    ),
    path(
        "amount-changes/<int:pk>/confirm/",
        api.AmountChangeViewSet.as_view({"post": "confirm"}),
        name="api-amount-change-confirm",
    ),
    path(
        "amount-changes/<int:pk>/decide/",
        api.AmountChangeViewSet.as_view({"post": "decide"}),
        name="api-amount-change-decide",
    ),
]
