from django.apps import AppConfig


class ChildcareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "childcare"
    verbose_name = "儿童关爱"

    def ready(self) -> None:
        from assistance.jobs import register_kind
        from assistance.models import JobRun
        from childcare import alerts

        register_kind(JobRun.Kind.CHILDCARE, alerts.run, county_at_once=True)
