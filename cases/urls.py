from django.urls import path

from cases import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("townships/", views.township_list, name="township-list"),
    path("townships/<int:pk>/", views.township_detail, name="township-detail"),
]
