"""Pages mounted at ``/eldercare/`` (``urlpatterns``) and the API at ``/api/v1/`` (``api_urlpatterns``), by area."""

from eldercare.api import homes as homes_api
from eldercare.api import people as people_api
from eldercare.api import safety as safety_api
from eldercare.views import homes, people, safety

urlpatterns = [*homes.urlpatterns, *safety.urlpatterns, *people.urlpatterns]
api_urlpatterns = [*homes_api.urlpatterns, *safety_api.urlpatterns, *people_api.urlpatterns]
