from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assistance"
    verbose_name = "救助认定"

    def ready(self) -> None:
        from assistance.selectors import parameter_value
        from cases import hooks

        hooks.register_parameter_lookup(parameter_value)
