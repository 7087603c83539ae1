"""The project's URLs with the payments pages mounted at /payments/, for the tests until config/urls.py includes
them (harmless afterwards: the first match wins and the names are the same)."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("payments/", include("payments.urls")), *project_urlpatterns]
