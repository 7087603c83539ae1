from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assistance"
    verbose_name = "救助认定"

    def ready(self) -> None:
        from assistance.exports import register_exports

        register_exports()
