"""URLs of the case-registry API, mounted at ``/api/v1/``."""

from rest_framework.routers import DefaultRouter

from cases import api


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

urlpatterns = router.urls
