"""The tenancy choke point: every API object is read through a WorkspaceViewSet.

It scopes every queryset to the request's workspace and checks the request's role against the
viewset's `roles` table (accounts.permissions): one place for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from rest_framework import viewsets

from config.errors import ApiError

from .. import audit
from ..permissions import WorkspaceRole, check_roles_table

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass  # the stubs' name for what APIView takes

__all__ = ["WorkspaceViewSet", "viewset_actions"]

# The actions DRF's mixins provide, when a viewset has the method.
STANDARD_ACTIONS = ("list", "create", "retrieve", "update", "partial_update", "destroy")


def viewset_actions(viewset) -> set[str]:
    """Every action name a viewset serves: its standard ones and each method of its @actions."""
    actions = {name for name in STANDARD_ACTIONS if hasattr(viewset, name)}
    for extra in viewset.get_extra_actions():
        actions.update(extra.mapping.values())
    return actions


class WorkspaceScoped:
    """Scopes every queryset to request.auth.workspace. Subclasses narrow it via scope_queryset().

    Another workspace's object is simply not in the queryset, so it answers 404, never 403.
    Each subclass declares `roles`: which roles may use each of its actions.
    """

    permission_classes: Sequence[_PermissionClass] = [WorkspaceRole]
    roles: dict = {}
    # Set by WorkspaceRole when the role can only be decided on an object the view looks up.
    role_decision_owed = False
    _audit_origin = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override scope_queryset(), not get_queryset()")
        if cls.__module__ != __name__:
            check_roles_table(cls, viewset_actions(cls))

    def get_queryset(self):
        queryset = super().get_queryset()  # type: ignore[misc]
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return self.scope_queryset(queryset.filter(workspace=self.request.auth.workspace))  # type: ignore[attr-defined]

    def scope_queryset(self, queryset):
        return queryset

    # What one object is called in a 404 ("secret", "container"); the model's name by default.
    object_name: str = ""

    def get_object(self):
        """The object the URL names, or a 404 that says which and where: a page acting on an object
        deleted since it was loaded, or an id from another workspace, gets the same clear answer."""
        try:
            return super().get_object()  # type: ignore[misc]
        except Http404:
            raise self.missing() from None

    def missing(self) -> ApiError:
        kwargs = self.kwargs  # type: ignore[attr-defined]
        key = self.lookup_url_kwarg or self.lookup_field  # type: ignore[attr-defined]
        name = self.object_name or self.get_queryset().model._meta.verbose_name
        return ApiError(
            f"There is no {name} {kwargs.get(key, '')} in workspace {self.request.auth.workspace.name}: "  # type: ignore[attr-defined]
            "it was deleted, or never existed.",
            code="not_found",
            status_code=404,
            hint="If a page showed it, it was deleted since the page was loaded: reload the page.",
        )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # What the domain records in the audit log names this request's user and address.
        self._audit_origin = audit.bind(request)
        # Parse the body even where the action reads none (stop, cancel): a request whose body
        # does not parse, or is not JSON, is refused before it acts (RELIABILITY B1, B2). A
        # request without a body, as the SDK sends for these actions, parses to nothing.
        if request.method in ("POST", "PUT", "PATCH"):
            request.data  # noqa: B018

    def finalize_response(self, request, response, *args, **kwargs):
        if self._audit_origin is not None:
            audit.unbind(self._audit_origin)
            self._audit_origin = None
        if self.role_decision_owed and response.status_code < 400:
            # The action succeeded without ever asking about the object its rule depends on.
            action = f"{type(self).__name__}.{getattr(self, 'action', None)}"
            raise ImproperlyConfigured(
                f"{action}: call get_object(), or check_object_permissions() on the object the "
                "request names, before acting"
            )
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class WorkspaceViewSet(WorkspaceScoped, viewsets.GenericViewSet):
    pass
