"""Who may do what in a workspace: one rule per API action, checked in one place.

Every `WorkspaceViewSet` declares `roles`, a table from each action it serves to a `Rule`;
the class refuses to be defined when the table misses an action or names one it does not serve
(`accounts.api.base`). `WorkspaceRole`, the API's default permission class, reads that table
for every request. docs/permissions.md shows the same table, generated from it
(`manage.py permissions_matrix`).

Tenancy comes first: an action on one object is decided only once the object was found in the
request's workspace, so another workspace's object answers 404, never 403. A role that may not
act answers 403 `permission_denied`, saying which role it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.core.exceptions import ImproperlyConfigured
from rest_framework import permissions

from config.errors import ApiError

from .authentication import WorkspaceContext
from .models import Role

__all__ = [
    "ADMIN_ONLY",
    "ADMIN_OR_CREATOR",
    "ANY_ROLE",
    "Rule",
    "WorkspaceRole",
    "check_roles_table",
    "creator_of",
]

ROLE_ORDER = (Role.OWNER, Role.ADMIN, Role.MEMBER)

REFUSED_HINT = (
    "Ask an owner or admin of the workspace to do it, or to give you the role it needs; "
    "docs/permissions.md lists what each role may do."
)


@dataclass(frozen=True)
class Rule:
    """The roles that may use an action: on any object of the workspace (`anyone`), or only on
    objects they created themselves (`creator`). `reason` says why, where it is not obvious."""

    anyone: frozenset[str]
    creator: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""

    def because(self, reason: str) -> Rule:
        return replace(self, reason=reason)

    def cell(self, role: str) -> str:
        """The matrix cell of `role`: yes, own (on what it created) or no."""
        if role in self.anyone:
            return "yes"
        return "own" if role in self.creator else "no"

    def needs(self, what: str = "it") -> str:
        """Who may, in words: "the role owner or admin, or to have created this app"."""
        anyone = " or ".join(r for r in ROLE_ORDER if r in self.anyone)
        return f"the role {anyone}" + (f", or to have created {what}" if self.creator else "")


# Every role of the workspace: reading, creating and running.
ANY_ROLE = Rule(anyone=frozenset(ROLE_ORDER))
# Changing what the whole workspace shares (environments): the owner and admins.
ADMIN_ONLY = Rule(anyone=frozenset({Role.OWNER, Role.ADMIN}))
# Changing or removing something: the owner and admins on anything, a member on what he created.
ADMIN_OR_CREATOR = Rule(anyone=frozenset({Role.OWNER, Role.ADMIN}), creator=frozenset({Role.MEMBER}))


def creator_of(obj) -> tuple[int | None, str]:
    """The id of the user who created `obj`, and how to name what was created.

    Apps, calls and volumes record their creator; a function belongs to whoever created its app
    (the SDK defines an app's functions in the same run that creates the app).
    """
    name = obj._meta.verbose_name
    if hasattr(obj, "created_by_id"):
        return obj.created_by_id, f"this {name}"
    app = getattr(obj, "app", None)
    if app is not None:
        return app.created_by_id, f"the app of this {name}"
    raise ImproperlyConfigured(f"A {name} records no creator: no Rule with `creator` can apply to it.")


def check_roles_table(viewset, actions: set[str]) -> None:
    """Refuse a viewset whose `roles` table does not name exactly the actions it serves."""
    roles = getattr(viewset, "roles", None)
    if not isinstance(roles, dict):
        raise TypeError(f"{viewset.__name__}: declare `roles`, a Rule (accounts.permissions) per action")
    missing = sorted(actions - set(roles))
    unknown = sorted(set(roles) - actions)
    if missing:
        raise TypeError(f"{viewset.__name__}.roles says nothing of {missing}: who may use them?")
    if unknown:
        raise TypeError(f"{viewset.__name__}.roles names {unknown}, which it does not serve")
    wrong = sorted(action for action, rule in roles.items() if not isinstance(rule, Rule))
    if wrong:
        raise TypeError(f"{viewset.__name__}.roles: the entries for {wrong} are not Rules")


def _rule(view) -> Rule | None:
    roles = getattr(view, "roles", None)
    if roles is None:
        raise ImproperlyConfigured(
            f"{type(view).__name__} declares no `roles` table: make it a WorkspaceViewSet, or give it "
            "permission_classes of its own"
        )
    action = getattr(view, "action", None)
    # No action: a method the view does not serve (DRF answers 405) or OPTIONS.
    return None if action is None else roles[action]


def _is_detail(view) -> bool:
    return (view.lookup_url_kwarg or view.lookup_field) in view.kwargs


def _refused(request, rule: Rule, role: str, what: str = "it") -> ApiError:
    workspace = request.auth.workspace.name
    return ApiError(
        f"{request.method} {request.path} needs {rule.needs(what)}; your role in workspace {workspace} is {role}.",
        code="permission_denied",
        status_code=403,
        # Why the rule is what it is, where the table says (`Rule.because`), then what to do.
        hint=f"{rule.reason} {REFUSED_HINT}" if rule.reason else REFUSED_HINT,
    )


class WorkspaceRole(permissions.BasePermission):
    """The request's role in its workspace against the view's `roles` table.

    An action on one object (a URL with its id) is decided in `has_object_permission`, after the
    tenancy lookup; so is an action whose rule depends on the creator of an object the request
    names in its body (the view hands that object to `check_object_permissions`). The view notes
    a decision still owed, and `WorkspaceScoped.finalize_response` fails loudly if none was made.
    """

    def has_permission(self, request, view) -> bool:
        ctx = request.auth
        if not isinstance(ctx, WorkspaceContext):
            return False  # DRF answers 401
        rule = _rule(view)
        if rule is None or ctx.role in rule.anyone:
            return True
        if ctx.role in rule.creator or _is_detail(view):
            view.role_decision_owed = True
            return True
        raise _refused(request, rule, ctx.role)

    def has_object_permission(self, request, view, obj) -> bool:
        ctx = request.auth
        rule = _rule(view)
        if rule is None or ctx.role in rule.anyone:
            return True
        creator, what = creator_of(obj) if rule.creator else (None, "it")
        if ctx.role in rule.creator and creator is not None and creator == request.user.pk:
            view.role_decision_owed = False
            return True
        raise _refused(request, rule, ctx.role, what)
