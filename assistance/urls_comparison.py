"""信息比对 pages, included at ``policy/comparison/``."""

from django.urls import path

from assistance import views_comparison

urlpatterns = [
    path("", views_comparison.comparison_list, name="comparison-list"),
    path("run/", views_comparison.comparison_run, name="comparison-run"),
    path("flags/<int:pk>/resolve/", views_comparison.flag_resolve, name="comparison-flag-resolve"),
]
