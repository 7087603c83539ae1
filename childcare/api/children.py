"""childcare api: children (filled in with the issue)."""

urlpatterns: list = []
