"""The people of a workspace: members and their roles, and invites by link.

The rules, all here:
- Owners and admins manage members and invites (the API's roles tables say so first); an admin
  cannot make, invite, demote or remove an owner: only an owner can.
- A workspace keeps at least one owner: the last one can be neither demoted nor removed.
- An invite is a link holding a secret, shown once and stored only as a hash; it makes one
  person a member with its role, once, before it expires. Accepting signs that person up or in.

Taking a role away (a demotion, a removal) takes effect at once for cached API tokens
(accounts.revocation); a removed member's tokens of the workspace are revoked too.
"""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApiError

from . import audit, revocation
from .models import ApiToken, Invite, Membership, Role, Workspace, hash_secret, new_secret

__all__ = [
    "INVITE_DAYS",
    "MAX_INVITE_DAYS",
    "invite_accept",
    "invite_create",
    "invite_find",
    "invite_link",
    "invite_revoke",
    "invite_sign_up",
    "member_remove",
    "member_set_role",
    "members",
    "sign_up",
]

log = logging.getLogger(__name__)

INVITE_DAYS = 7
MAX_INVITE_DAYS = 30
OWNER_ONLY_HINT = "Ask an owner of the workspace: only an owner makes, demotes or removes an owner."


def members(workspace: Workspace):
    """The workspace's memberships with their users, oldest first."""
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at", "id")


def _owner_only(what: str, by_role: str, workspace: Workspace) -> ApiError:
    return ApiError(
        f"{what} needs the role owner; your role in workspace {workspace.name} is {by_role}.",
        code="permission_denied",
        status_code=403,
        hint=OWNER_ONLY_HINT,
    )


def _keeps_an_owner(membership: Membership) -> None:
    """Refuse to take the owner role from the workspace's last owner (the owners' rows locked)."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(workspace_id=membership.workspace_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise ApiError(
            f"{membership.user.username} is the last owner of workspace {membership.workspace.name}: "
            "a workspace keeps at least one owner.",
            code="last_owner",
            status_code=409,
            hint="Make another member an owner first.",
        )


def member_set_role(*, membership: Membership, role: str, by_role: str) -> Membership:
    """Give a member another role, as someone of role `by_role`."""
    if role not in Role.values:
        raise ApiError(f"{role!r} is not a role: owner, admin or member.", field="role")
    workspace = membership.workspace
    if by_role != Role.OWNER and Role.OWNER in (membership.role, role):
        what = "Making someone an owner" if role == Role.OWNER else "Changing an owner's role"
        raise _owner_only(what, by_role, workspace)
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update().select_related("user", "workspace").get(pk=membership.pk)
        )
        before = locked.role
        if before == role:
            return locked
        if before == Role.OWNER:
            _keeps_an_owner(locked)
        locked.role = role
        locked.save(update_fields=["role"])
        revocation.revoked()
        audit.record(
            workspace=workspace,
            action="member.role_change",
            target=locked,
            target_name=locked.user.username,
            data={"from": before, "to": role},
        )
    return locked


def member_remove(*, membership: Membership, by_role: str) -> None:
    """Remove a member from the workspace, and revoke his API tokens of it."""
    workspace = membership.workspace
    if by_role != Role.OWNER and membership.role == Role.OWNER:
        raise _owner_only("Removing an owner", by_role, workspace)
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update().select_related("user", "workspace").get(pk=membership.pk)
        )
        if locked.role == Role.OWNER:
            _keeps_an_owner(locked)
        revoked = ApiToken.objects.filter(
            workspace=workspace, user=locked.user, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        locked.delete()
        revocation.revoked()
        audit.record(
            workspace=workspace,
            action="member.remove",
            target=locked,
            target_name=locked.user.username,
            data={"role": locked.role, "tokens_revoked": revoked},
        )


# Invites ----------------------------------------------------------------------------------------


def invite_link(secret: str) -> str:
    """The dashboard's page that accepts an invite; the secret rides in the fragment, which browsers
    never send to a server (so it is in no access log)."""
    return f"{settings.SKYLIFT_PUBLIC_URL}/invite#{secret}"


def invite_create(
    *,
    workspace: Workspace,
    role: str,
    by_user,
    by_role: str,
    email: str = "",
    days: int = INVITE_DAYS,
) -> tuple[Invite, str, bool]:
    """A new invite, its secret (`iv-….it-…`, shown once) and whether it was e-mailed.

    With `email` and SKYLIFT_INVITE_EMAILS, the link is also sent through Django's e-mail backend;
    a failed send leaves the invite to be handed over by hand.
    """
    if role not in Role.values:
        raise ApiError(f"{role!r} is not a role: owner, admin or member.", field="role")
    if by_role != Role.OWNER and role == Role.OWNER:
        raise _owner_only("Inviting an owner", by_role, workspace)
    if not 1 <= days <= MAX_INVITE_DAYS:
        raise ApiError(f"An invite lasts 1 to {MAX_INVITE_DAYS} days.", field="expires_in_days")
    secret = new_secret("it")
    with transaction.atomic():
        invite = Invite.objects.create(
            workspace=workspace,
            role=role,
            email=email,
            secret_hash=hash_secret(secret),
            created_by=by_user,
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit.record(
            workspace=workspace,
            action="member.invite",
            target=invite,
            target_name=email,
            actor=by_user,
            data={"role": role, "expires_at": invite.expires_at.isoformat()},
        )
    full = f"{invite.id}.{secret}"
    emailed = bool(email) and settings.SKYLIFT_INVITE_EMAILS and _send(invite, full, by_user)
    return invite, full, emailed


def _send(invite: Invite, secret: str, by_user) -> bool:
    inviter = getattr(by_user, "username", "someone")
    try:
        send_mail(
            subject=f"Join the workspace {invite.workspace.name} on Skylift",
            message=(
                f"{inviter} invites you to the workspace {invite.workspace.name} on Skylift, as {invite.role}.\n\n"
                f"Open this link before {invite.expires_at:%Y-%m-%d %H:%M} UTC to accept:\n{invite_link(secret)}\n"
            ),
            from_email=None,
            recipient_list=[invite.email],
        )
    except Exception:  # noqa: BLE001  (any backend's failure: the link still works by hand)
        log.warning("could not e-mail invite %s", invite.id, exc_info=True)
        return False
    return True


def invite_revoke(*, invite: Invite) -> Invite:
    """Revoke an invite not used yet: its link stops working."""
    changed = Invite.objects.filter(pk=invite.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if changed:
        audit.record(
            workspace=invite.workspace_id,
            action="member.invite_revoke",
            target=invite,
            target_name=invite.email,
        )
    invite.refresh_from_db()
    return invite


INVALID_INVITE = "This invite link is not valid: check that it was copied whole."


def invite_find(secret: str, *, lock: bool = False) -> Invite:
    """The invite a link's secret opens, if it can still be used; else a clear error."""
    invite_id, _, raw = (secret or "").strip().partition(".")
    found = Invite.objects.select_related("workspace", "created_by")
    if lock:
        found = found.select_for_update(of=("self",))
    invite = found.filter(pk=invite_id).first() if invite_id.startswith("iv-") and raw else None
    if invite is None or not hmac.compare_digest(invite.secret_hash, hash_secret(raw)):
        raise ApiError(INVALID_INVITE, code="invalid_invite", status_code=404, field="token")
    if invite.accepted_at is not None:
        raise ApiError(
            "This invite was used already: an invite makes one person a member, once.",
            code="invite_used",
            status_code=409,
            field="token",
            hint="Ask an owner or admin of the workspace for a new invite.",
        )
    if invite.revoked_at is not None:
        raise ApiError(
            "This invite was revoked.",
            code="invite_revoked",
            status_code=410,
            field="token",
            hint="Ask an owner or admin of the workspace for a new invite.",
        )
    if invite.expires_at <= timezone.now():
        raise ApiError(
            f"This invite expired at {invite.expires_at:%Y-%m-%d %H:%M} UTC.",
            code="invite_expired",
            status_code=410,
            field="token",
            hint="Ask an owner or admin of the workspace for a new invite.",
        )
    return invite


def invite_accept(*, secret: str, user) -> Membership:
    """Make `user` a member of the invite's workspace with its role; the invite is used up."""
    with transaction.atomic():
        invite = invite_find(secret, lock=True)
        existing = Membership.objects.filter(workspace=invite.workspace, user=user).first()
        if existing is not None:
            raise ApiError(
                f"{user.username} is a member of workspace {invite.workspace.name} already "
                f"(role {existing.role}); the invite was not used.",
                code="already_member",
                status_code=409,
            )
        membership = Membership.objects.create(workspace=invite.workspace, user=user, role=invite.role)
        Invite.objects.filter(pk=invite.pk).update(accepted_at=timezone.now(), accepted_by=user)
        audit.record(
            workspace=invite.workspace,
            action="member.join",
            target=membership,
            target_name=user.username,
            actor=user,
            data={"role": invite.role, "invite": invite.id},
        )
    return membership


def sign_up(*, username: str, password: str, email: str = ""):
    """A new account for someone accepting an invite; the password checked by Django's validators."""
    User = get_user_model()
    user = User(username=username, email=email)
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ApiError(" ".join(exc.messages), field="username") from None
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ApiError(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ApiError(
            f"The username {username!r} is taken.",
            code="already_exists",
            status_code=409,
            field="username",
            hint="Choose another, or sign in with that account to accept the invite.",
        ) from None
    return user


def invite_sign_up(*, secret: str, username: str, password: str, email: str = "") -> Membership:
    """A new account, made a member by the invite: both or neither."""
    with transaction.atomic():
        invite_find(secret)  # a used or expired invite makes no account
        user = sign_up(username=username, password=password, email=email)
        return invite_accept(secret=secret, user=user)
