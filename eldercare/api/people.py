"""eldercare api: people (filled in with the issue)."""

urlpatterns: list = []
