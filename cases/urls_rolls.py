"""External rolls (外部名单), included at ``rolls/``."""

from django.urls import path

from cases.views import rolls

urlpatterns = [
    path("", rolls.roll_list, name="external-roll-list"),
    path("import/", rolls.roll_import, name="external-roll-import"),
    path("import/confirm/", rolls.roll_confirm, name="external-roll-confirm"),
    path("<int:pk>/", rolls.roll_detail, name="external-roll-detail"),
    path("<int:pk>/file/", rolls.roll_file, name="external-roll-file"),
]
