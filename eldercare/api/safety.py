"""eldercare api: safety (filled in with the issue)."""

urlpatterns: list = []
