from django.urls import include, path

from assistance import views, views_enrollment

urlpatterns = [
    path("parameters/", views.parameter_list, name="parameter-list"),
    path("parameters/<str:key>/", views.parameter_detail, name="parameter-detail"),
    path("parameters/<str:key>/versions/<int:pk>/confirm/", views.parameter_confirm, name="parameter-confirm"),
    path("recompute/", views.recompute_list, name="recompute-list"),
    path("temporary/", include("assistance.urls_temporary")),
    path("rolls/", include("assistance.urls_rolls")),
]

urlpatterns += [
    path("households/<int:household_pk>/determination/", views_enrollment.determination_view, name="determination"),
    path("enrollments/", views_enrollment.enrollment_list, name="enrollment-list"),
    path("enrollments/<int:pk>/", views_enrollment.enrollment_detail, name="enrollment-detail"),
    path("enrollments/<int:pk>/exit/", views_enrollment.exit_request, name="exit-request"),
    path("exit-reviews/<int:pk>/", views_enrollment.exit_review, name="exit-review"),
]
