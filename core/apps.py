from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from core import export_centre

        export_centre.discover()
