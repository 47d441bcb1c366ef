"""The tenancy choke point: every API object is read through a WorkspaceViewSet."""

from __future__ import annotations

from rest_framework import viewsets

__all__ = ["WorkspaceViewSet", "WorkspaceModelViewSet"]


class WorkspaceScoped:
    """Scopes every queryset to request.auth.workspace. Subclasses narrow it via scope_queryset().

    Another workspace's object is simply not in the queryset, so it answers 404, never 403.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override scope_queryset(), not get_queryset()")

    def get_queryset(self):
        queryset = super().get_queryset()  # type: ignore[misc]
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return self.scope_queryset(queryset.filter(workspace=self.request.auth.workspace))  # type: ignore[attr-defined]

    def scope_queryset(self, queryset):
        return queryset

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # Parse the body even where the action reads none (stop, cancel): a request whose body
        # does not parse, or is not JSON, is refused before it acts (RELIABILITY B1, B2). A
        # request without a body, as the SDK sends for these actions, parses to nothing.
        if request.method in ("POST", "PUT", "PATCH"):
            request.data  # noqa: B018


class WorkspaceViewSet(WorkspaceScoped, viewsets.GenericViewSet):
    pass


class WorkspaceModelViewSet(WorkspaceScoped, viewsets.ModelViewSet):
    pass
