"""childcare views: children (filled in with the issue)."""

urlpatterns: list = []
