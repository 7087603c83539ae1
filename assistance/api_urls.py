from django.urls import path

from assistance import api

urlpatterns = [
    path("evaluate", api.EvaluateView.as_view(), name="api-evaluate"),
]
