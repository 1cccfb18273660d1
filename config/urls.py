from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from safepassage.core.permissions import public

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("safepassage.accounts.urls")),
    path("accounts/webauthn/", include("safepassage.accounts.webauthn")),
    path("audit/", include("safepassage.audit.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("cases/", include("safepassage.cases.urls")),
    path("armoury/", include("safepassage.armoury.urls")),
    path("watchlists/", include("safepassage.watchlists.urls")),
    path("ledger/", include("safepassage.ledger.urls")),
    path("receipts/", include("safepassage.receipts.urls")),
    path("protection/", include("safepassage.protection.urls")),
    path("reintegration/", include("safepassage.reintegration.urls")),
    path("channels/", include("safepassage.intake.urls")),
    path("intake/", include("safepassage.intake.inbox_urls")),
    path("crossing/", include("safepassage.crossing.urls")),
    path("grievances/", include("safepassage.grievances.urls")),
    path("contact/complaint/", include("safepassage.grievances.web_urls")),
    path("reports/", include("safepassage.reports.urls")),
    path("contact/", include("safepassage.intake.web_urls")),
    path("operations/", include("safepassage.operations.urls")),
    path("", include("safepassage.core.urls")),
]

handler400 = "safepassage.core.views.bad_request"
handler403 = "safepassage.core.views.permission_denied"
handler404 = "safepassage.core.views.page_not_found"
handler500 = "safepassage.core.views.server_error"
