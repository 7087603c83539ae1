from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assistance"
    verbose_name = "救助认定"

    def ready(self) -> None:
        from assistance import enrollments
        from assistance.exports import register_exports
        from assistance.selectors import parameter_value
        from cases import hooks
        from core import parameters

        parameters.register_lookup(parameter_value)
        register_exports()
        hooks.application_approved.connect(enrollments._on_application_approved, dispatch_uid="enroll-approved")
        hooks.member_died.connect(enrollments._on_member_died, dispatch_uid="end-after-death")
