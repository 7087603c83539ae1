from django.urls import include, path

from assistance import views, views_enrollment, views_ledgers

urlpatterns = [
    path("parameters/", views.parameter_list, name="parameter-list"),
    path("parameters/<str:key>/", views.parameter_detail, name="parameter-detail"),
    path("parameters/<str:key>/versions/<int:pk>/confirm/", views.parameter_confirm, name="parameter-confirm"),
    path("recompute/", views.recompute_list, name="recompute-list"),
    path("temporary/", include("assistance.urls_temporary")),
    path("rolls/", include("assistance.urls_rolls")),
    path("comparison/", include("assistance.urls_comparison")),
]

urlpatterns += [
    path("households/<int:household_pk>/determination/", views_enrollment.determination_view, name="determination"),
    path("enrollments/", views_enrollment.enrollment_list, name="enrollment-list"),
    path("enrollments/<int:pk>/", views_enrollment.enrollment_detail, name="enrollment-detail"),
    path("enrollments/<int:pk>/exit/", views_enrollment.exit_request, name="exit-request"),
    path("exit-reviews/<int:pk>/", views_enrollment.exit_review, name="exit-review"),
]

urlpatterns += [
    path("ledgers/", views_ledgers.ledger_list, name="ledger-list"),
    path("ledgers/<int:township_pk>/<str:month>/", views_ledgers.ledger_detail, name="ledger-detail"),
    path("ledgers/<int:township_pk>/<str:month>/export/", views_ledgers.ledger_export, name="ledger-export"),
    path("ledgers/<int:township_pk>/<str:month>/submit/", views_ledgers.ledger_submit, name="ledger-submit"),
    path("ledgers/<int:township_pk>/<str:month>/review/", views_ledgers.ledger_review, name="ledger-review"),
    path("ledger-entries/<int:pk>/handle/", views_ledgers.entry_handle, name="ledger-entry-handle"),
    path("jobs/", views_ledgers.job_list, name="job-list"),
    path("jobs/<int:pk>/", views_ledgers.job_detail, name="job-detail"),
]
