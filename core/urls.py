from django.urls import path

from core import export_views

urlpatterns = [
    path("", export_views.my_exports, name="export-list"),
    path("new/", export_views.export_start, name="export-start"),
    path("jobs/<int:pk>/", export_views.export_job, name="export-job"),
    path("jobs/<int:pk>/download/", export_views.export_job_download, name="export-job-download"),
]
