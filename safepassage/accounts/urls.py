from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("verify/", views.verify_view, name="verify"),
    path("enrol/", views.enrol_totp_view, name="enrol_totp"),
    path("backup-codes/", views.backup_codes_view, name="backup_codes"),
    path("passkeys/", views.passkeys_view, name="passkeys"),
    path("password/", views.password_change_view, name="password_change"),
    path("confirm-password/", views.confirm_password_view, name="confirm_password"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.account_view, name="account"),
]
