"""eldercare views: safety (filled in with the issue)."""

urlpatterns: list = []
