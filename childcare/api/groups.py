"""childcare api: groups (filled in with the issue)."""

urlpatterns: list = []
