from django.apps import AppConfig


class EldercareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "eldercare"
    verbose_name = "养老服务"

    def ready(self) -> None:
        from assistance.jobs import register_kind
        from assistance.models import JobRun
        from eldercare import alerts

        register_kind(JobRun.Kind.ELDERCARE, alerts.run, county_at_once=True)
