from django.urls import path

from assistance import views_rolls

urlpatterns = [
    path("import/", views_rolls.roll_import, name="roll-import"),
    path("import/confirm/", views_rolls.roll_import_confirm, name="roll-import-confirm"),
    path("template.xlsx", views_rolls.roll_template, name="roll-template"),
]
