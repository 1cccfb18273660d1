from django.urls import path

from . import views, views_staff

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
    path("staff/", views_staff.staff_list_view, name="staff"),
    path("staff/invite/", views_staff.staff_invite_view, name="staff_invite"),
    path("staff/<int:pk>/", views_staff.staff_member_view, name="staff_member"),
    path("staff/<int:pk>/active/", views_staff.staff_member_active_view, name="staff_active"),
    path("staff/<int:pk>/reinvite/", views_staff.staff_member_reinvite_view, name="staff_reinvite"),
    path("invitation/", views_staff.invitation_view, name="invitation"),
    path("invitation/<str:token>/", views_staff.invitation_open_view, name="invitation_open"),
    path("", views.account_view, name="account"),
]
