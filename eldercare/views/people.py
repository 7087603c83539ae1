"""eldercare views: people (filled in with the issue)."""

urlpatterns: list = []
