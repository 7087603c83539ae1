from django.urls import include, path

from assistance import views

urlpatterns = [
    path("parameters/", views.parameter_list, name="parameter-list"),
    path("parameters/<str:key>/", views.parameter_detail, name="parameter-detail"),
    path("parameters/<str:key>/versions/<int:pk>/confirm/", views.parameter_confirm, name="parameter-confirm"),
    path("recompute/", views.recompute_list, name="recompute-list"),
    path("temporary/", include("assistance.urls_temporary")),
    path("rolls/", include("assistance.urls_rolls")),
]
