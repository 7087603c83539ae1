from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from assistance import urls as assistance_urls
from cases import urls as cases_urls
from cases.forms import ThrottledLoginForm
from childcare import urls as childcare_urls
from eldercare import urls as eldercare_urls
from payments import urls as payments_urls

admin.site.site_header = "彭水县社会救助业务系统 · 管理后台"
admin.site.site_title = "社会救助管理后台"
admin.site.index_title = "系统管理"

handler400 = "config.views.bad_request"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", authentication_form=ThrottledLoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(cases_urls.api_urlpatterns)),
    path("api/v1/", include(assistance_urls.api_urlpatterns)),
    path("api/v1/", include(payments_urls.api_urlpatterns)),
    path("api/v1/", include(eldercare_urls.api_urlpatterns)),
    path("api/v1/", include(childcare_urls.api_urlpatterns)),
    path("policy/", include(assistance_urls.urlpatterns)),
    path("payments/", include("payments.urls")),
    path("eldercare/", include(eldercare_urls.urlpatterns)),
    path("childcare/", include(childcare_urls.urlpatterns)),
    path("exports/", include("core.urls")),
    path("", include(cases_urls.urlpatterns)),
]
