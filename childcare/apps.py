from django.apps import AppConfig


class ChildcareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "childcare"
    verbose_name = "儿童关爱"
