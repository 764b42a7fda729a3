from django.urls import path

from .views import auth, security_admin, sysadmin, team

app_name = "accounts"

urlpatterns = [
    # Everyone: login, second factor, logout, own password and security settings.
    path("login/", auth.login_view, name="login"),
    path("otp/", auth.otp_view, name="otp"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/", auth.password_change_view, name="password_change"),
    path("security/", auth.security_view, name="security"),
    path("security/otp/enable/", auth.security_otp_enable_view, name="security_otp_enable"),
    path("security/otp/disable/", auth.security_otp_disable_view, name="security_otp_disable"),
    # 企业管理员: colleagues and invitations; the invitee's page needs no login.
    path("team/", team.team_view, name="team"),
    path("team/invite/", team.team_invite_view, name="team_invite"),
    path("team/invitations/<int:pk>/revoke/", team.invitation_revoke_view, name="invitation_revoke"),
    path("team/members/<int:pk>/active/", team.team_member_active_view, name="team_member_active"),
    path("invite/<str:token>/", team.invite_accept_view, name="invite_accept"),
    # 系统管理员: business accounts and departments.
    path("users/", sysadmin.user_list_view, name="user_list"),
    path("users/new/", sysadmin.user_create_view, name="user_create"),
    path("users/<int:pk>/edit/", sysadmin.user_edit_view, name="user_edit"),
    path("users/<int:pk>/password/", sysadmin.user_password_reset_view, name="user_password_reset"),
    path("departments/", sysadmin.department_list_view, name="department_list"),
    path("departments/new/", sysadmin.department_create_view, name="department_create"),
    path("departments/<int:pk>/edit/", sysadmin.department_edit_view, name="department_edit"),
    # 安全管理员: roles, unmask permission, lockouts, lost authenticators.
    path("security-admin/", security_admin.security_users_view, name="security_users"),
    path("security-admin/users/<int:pk>/", security_admin.security_user_detail_view, name="security_user_detail"),
    path("security-admin/users/<int:pk>/role/", security_admin.security_user_role_view, name="security_user_role"),
    path(
        "security-admin/users/<int:pk>/unmask/", security_admin.security_user_unmask_view, name="security_user_unmask"
    ),
    path(
        "security-admin/users/<int:pk>/unlock/", security_admin.security_user_unlock_view, name="security_user_unlock"
    ),
    path(
        "security-admin/users/<int:pk>/otp-reset/",
        security_admin.security_user_otp_reset_view,
        name="security_user_otp_reset",
    ),
]
