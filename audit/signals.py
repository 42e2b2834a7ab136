"""Receivers: logins, logouts and lockouts into the audit log; role, permission, activity and
password changes of accounts audited, and the sessions they must end, ended."""

import time

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from accounts.models import SEPARATED_ADMIN_ROLES, ApiToken
from accounts.tokens import api_tokens_revoked

from .models import AuditEvent
from .roles import role_groups_sync
from .services import audit_record, audit_record_many, current_request, session_index, sessions_end_all

User = get_user_model()
WATCHED = ("roles", "is_staff", "is_superuser", "is_active", "password")
A = AuditEvent.Action


@receiver(user_logged_in, dispatch_uid="audit.login")
def on_login(sender, request, user, **kwargs):
    audit_record(action=A.LOGIN, actor=user, request=request, obj=user)
    if request is not None and hasattr(request, "session"):
        from .middleware import CHECKED, INDEXED_KEY, LOGIN_AT, otp_required, password_change_required

        request.session[LOGIN_AT] = time.time()
        # Decide once, at login, whether this session still owes a password change or a one-time code.
        if otp_required(user) or password_change_required(user):
            request.session.pop(CHECKED, None)
        else:
            request.session[CHECKED] = True
        if request.session.session_key:
            session_index(user=user, session_key=request.session.session_key)
            request.session[INDEXED_KEY] = request.session.session_key


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")[:150]
    audit_record(action=A.LOGIN_FAILED, request=request, username=username, success=False,
                 detail={"path": getattr(request, "path", "")})


@receiver(user_locked_out, dispatch_uid="audit.lockout")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(action=A.LOCKOUT, request=request, username=str(username or "")[:150], success=False,
                 detail={"ip_address": ip_address, "path": getattr(request, "path", "")})


@receiver(user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    audit_record(action=A.LOGOUT, actor=user, request=request, obj=user)
    # Logging out ends every session of the account, not only this browser's.
    sessions_end_all(user=user, reason="logout", request=request)


@receiver(pre_save, sender=User, dispatch_uid="audit.user_pre_save")
def remember_user_before(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if SEPARATED_ADMIN_ROLES.intersection(instance.roles or []) and (
        update_fields is None or "is_staff" in update_fields
    ):
        instance.is_staff = True  # the administrators work in the Django admin
    instance._audit_before = None
    if instance.pk is None or (update_fields is not None and not set(update_fields) & set(WATCHED)):
        return  # e.g. last_login at every login: no extra query
    instance._audit_before = User.objects.filter(pk=instance.pk).values(*WATCHED).first()


@receiver(post_save, sender=User, dispatch_uid="audit.user_post_save")
def audit_user_change(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    request = current_request()
    if created:
        if instance.roles:
            role_groups_sync(instance)
        audit_record(action=A.ROLE_CHANGED, request=request, obj=instance,
                     detail={"created": True, "roles": list(instance.roles), "is_staff": instance.is_staff,
                             "is_superuser": instance.is_superuser})
        return
    before = getattr(instance, "_audit_before", None)
    if not before:
        return
    instance._audit_before = None
    changes = {
        field: [before[field], getattr(instance, field)]
        for field in ("roles", "is_staff", "is_superuser")
        if before[field] != getattr(instance, field)
    }
    if changes:
        if "roles" in changes:
            role_groups_sync(instance)
        audit_record(action=A.ROLE_CHANGED, request=request, obj=instance, detail=changes)
    if before["is_active"] and not instance.is_active:
        audit_record(action=A.ACCOUNT_DISABLED, request=request, obj=instance)
        sessions_end_all(user=instance, reason="disabled", request=request)
    if before["password"] != instance.password:
        audit_record(action=A.PASSWORD_CHANGED, request=request, obj=instance,
                     detail={"by_owner": bool(request and getattr(request, "user", None) == instance)})
        sessions_end_all(user=instance, reason="password_changed", request=request)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit.groups")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit.permissions")
def audit_permission_change(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or (action != "post_clear" and not pk_set):
        return
    what = "groups" if sender is User.groups.through else "user_permissions"
    if reverse:  # a group's or permission's members changed: name the users affected
        detail = {"field": what, "action": action, model._meta.model_name: sorted(pk_set or [])}
        audit_record(action=A.ROLE_CHANGED, request=current_request(), obj=instance, detail=detail)
        return
    if what == "groups":
        names = sorted(model.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    else:
        names = sorted(
            f"{app}.{code}"
            for app, code in model.objects.filter(pk__in=pk_set or []).values_list("content_type__app_label",
                                                                                    "codename")
        )
    audit_record(action=A.ROLE_CHANGED, request=current_request(), obj=instance,
                 detail={"field": what, "action": action, "values": names})


@receiver(post_save, sender=ApiToken, dispatch_uid="audit.api_token_created")
def audit_api_token_created(sender, instance, created, raw=False, **kwargs):
    if raw or not created:
        return
    audit_record(action=A.API_TOKEN_CREATED, actor=instance.created_by, request=current_request(), obj=instance,
                 detail={"name": instance.name, "court": instance.court_id, "acting_user": instance.acting_user_id,
                         "key_prefix": instance.key_prefix})


@receiver(api_tokens_revoked, dispatch_uid="audit.api_tokens_revoked")
def audit_api_tokens_revoked(sender, ids, **kwargs):
    audit_record_many(request=current_request(), events=[
        {"action": A.API_TOKEN_REVOKED, "object_type": "accounts.apitoken", "object_id": pk} for pk in ids
    ])
