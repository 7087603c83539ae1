"""childcare views: groups (filled in with the issue)."""

urlpatterns: list = []
