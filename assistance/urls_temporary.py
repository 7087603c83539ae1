"""临时救助 pages, mounted at /policy/temporary/."""

from django.urls import path

from assistance import views_temporary as views

urlpatterns = [
    path("", views.temporary_list, name="temporary-list"),
    path("new/", views.temporary_new, name="temporary-new"),
    path("new/level/", views.temporary_level, name="temporary-level"),
    path("<int:pk>/", views.temporary_detail, name="temporary-detail"),
    path("<int:pk>/decide/", views.temporary_decide, name="temporary-decide"),
    path("<int:pk>/followup/", views.temporary_followup, name="temporary-followup"),
]
