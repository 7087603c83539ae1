"""eldercare api: homes (filled in with the issue)."""

urlpatterns: list = []
