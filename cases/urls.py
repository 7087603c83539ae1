"""Pages (``urlpatterns``, mounted at ``/``) and the registry's API (``api_urlpatterns``, at ``/api/v1/``)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cases import api
from cases.views import households, intake, regions, rolls

urlpatterns = [
    path("", regions.home, name="home"),
    path("healthz", regions.healthz, name="healthz"),
    path("townships/", regions.township_list, name="township-list"),
    path("townships/<int:pk>/", regions.township_detail, name="township-detail"),
    path("households/", households.household_search, name="household-search"),
    path("households/new/", households.household_form, name="household-new"),
    path("households/<int:pk>/", households.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", households.household_form, name="household-edit"),
    path("households/<int:pk>/history/", households.household_history, name="household-history"),
    path("households/<int:household_pk>/members/new/", households.member_form, name="member-new"),
    path("households/<int:household_pk>/members/<int:pk>/edit/", households.member_form, name="member-edit"),
    path("households/<int:household_pk>/facts/<str:kind>/new/", households.fact_form, name="fact-new"),
    path("households/<int:household_pk>/facts/<str:kind>/<int:pk>/edit/", households.fact_form, name="fact-edit"),
    path("households/<int:household_pk>/facts/<str:kind>/<int:pk>/end/", households.fact_end, name="fact-end"),
    path("households/<int:household_pk>/applications/new/", intake.application_new, name="application-new"),
    path("members/check-id/", households.member_check_id, name="member-check-id"),
    path("applications/", intake.application_queue, name="application-queue"),
    path("applications/<int:pk>/", intake.application_detail, name="application-detail"),
    path("applications/<int:pk>/referrals/new/", intake.referral_new, name="referral-new"),
    path("referrals/<int:pk>/update/", intake.referral_update, name="referral-update"),
    # External rolls (外部名单)
    path("rolls/", rolls.roll_list, name="external-roll-list"),
    path("rolls/import/", rolls.roll_import, name="external-roll-import"),
    path("rolls/import/confirm/", rolls.roll_confirm, name="external-roll-confirm"),
    path("rolls/<int:pk>/", rolls.roll_detail, name="external-roll-detail"),
    path("rolls/<int:pk>/file/", rolls.roll_file, name="external-roll-file"),
]


class Router(DefaultRouter):
    """JSON only: no ``.json`` / ``.api`` suffix routes (the viewsets take no ``format`` argument)."""

    include_format_suffixes = False


router = Router(trailing_slash=True)
router.register("households", api.HouseholdViewSet, basename="api-household")
router.register("members", api.MemberViewSet, basename="api-member")
router.register("incomes", api.IncomeViewSet, basename="api-income")
router.register("expenditures", api.ExpenditureViewSet, basename="api-expenditure")
router.register("assets", api.AssetViewSet, basename="api-asset")
router.register("applications", api.ApplicationViewSet, basename="api-application")
router.register("referrals", api.ReferralViewSet, basename="api-referral")

api_urlpatterns = router.urls
