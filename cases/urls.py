from django.urls import include, path

from cases.views import households, intake, regions

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
    path("households/<int:household_pk>/applications/new/", intake.application_new, name="application-new"),
    path("members/check-id/", households.member_check_id, name="member-check-id"),
    path("applications/", intake.application_queue, name="application-queue"),
    path("applications/<int:pk>/", intake.application_detail, name="application-detail"),
    path("applications/<int:pk>/act/<str:action>/", intake.application_act, name="application-act"),
    path("applications/<int:pk>/referrals/new/", intake.referral_new, name="referral-new"),
    path("referrals/<int:pk>/update/", intake.referral_update, name="referral-update"),
    path("rolls/", include("cases.urls_rolls")),
]
