"""eldercare views: homes (filled in with the issue)."""

urlpatterns: list = []
