"""Pages mounted at ``/childcare/`` (``urlpatterns``) and the API at ``/api/v1/`` (``api_urlpatterns``), by area."""

from childcare.api import children as children_api
from childcare.api import groups as groups_api
from childcare.views import children, groups

urlpatterns = [*children.urlpatterns, *groups.urlpatterns]
api_urlpatterns = [*children_api.urlpatterns, *groups_api.urlpatterns]
