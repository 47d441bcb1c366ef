"""The `roles` table of a WorkspaceViewSet: an action without a rule cannot be served.

The viewsets here are made for these tests, on the real App model, and called through DRF's
request factory as alice (owner), dana (admin) and bob (member) of workspace A.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts.api.base import WorkspaceViewSet
from accounts.api.views import InvitationPreviewView, InvitationView, SessionView
from accounts.authentication import WorkspaceContext
from accounts.models import Membership, Role
from accounts.permissions import ADMIN_ONLY, ADMIN_OR_CREATOR, ANY_ROLE
from apps.models import App
from config.api import urlpatterns

from .support import Member


class ProbeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    queryset = App.objects.order_by("-created_at")
    roles = {"list": ADMIN_ONLY, "retrieve": ADMIN_ONLY, "touch": ADMIN_OR_CREATOR}

    def list(self, request):
        return Response({"listed": True})

    def retrieve(self, request, pk=None):
        return Response({"id": self.get_object().id})

    @action(detail=True, methods=["post"])
    def touch(self, request, pk=None):
        # Acts without looking its object up: the rule's decision on the creator is never made.
        return Response({"touched": pk})


def _call(member: Member, action_map: dict, method: str = "get", **kwargs):
    request = getattr(APIRequestFactory(), method)("/probe/")
    role = Membership.objects.get(user=member.user, workspace=member.workspace).role
    force_authenticate(request, user=member.user, token=WorkspaceContext(member.workspace, role))
    return ProbeViewSet.as_view(action_map)(request, **kwargs)


def test_it_refuses_a_viewset_whose_table_misses_an_action():
    # when a viewset serves an action its table says nothing of
    with pytest.raises(TypeError, match=r"says nothing of \['destroy'\]"):

        class Forgetful(mixins.DestroyModelMixin, mixins.ListModelMixin, WorkspaceViewSet):
            queryset = App.objects.all()
            roles = {"list": ANY_ROLE}


def test_it_refuses_a_table_that_names_an_action_the_viewset_does_not_serve():
    with pytest.raises(TypeError, match=r"names \['destroy'\], which it does not serve"):

        class Stale(mixins.ListModelMixin, WorkspaceViewSet):
            queryset = App.objects.all()
            roles = {"list": ANY_ROLE, "destroy": ADMIN_OR_CREATOR}


def test_it_refuses_a_table_without_the_methods_of_an_extra_action():
    # an @action's other methods are actions of their own (files, files_upload, files_remove)
    with pytest.raises(TypeError, match=r"says nothing of \['stuff_remove'\]"):

        class Partial(WorkspaceViewSet):
            queryset = App.objects.all()
            roles = {"stuff": ANY_ROLE}

            @action(detail=True, methods=["get"])
            def stuff(self, request, pk=None):
                return Response({})

            @stuff.mapping.delete
            def stuff_remove(self, request, pk=None):
                return Response(status=204)


def test_it_refuses_a_role_outright_where_no_object_is_involved(trio, dana):
    # when bob (member) and dana (admin) use an admin-only action on the collection
    refused = _call(trio.bob, {"get": "list"})
    allowed = _call(dana, {"get": "list"})
    # then bob is told which role it needs
    assert refused.status_code == 403
    assert refused.data["error"]["code"] == "permission_denied"
    assert (
        "needs the role owner or admin; your role in workspace alice-ws is member"
        in (refused.data["error"]["message"])
    )
    assert allowed.status_code == 200


def test_it_looks_the_object_up_before_refusing_a_role(trio, objects_a):
    # given a member of workspace A, and an app of another workspace
    other = App.objects.create(workspace=trio.charlie.workspace, name="bravo-app")
    # when bob asks for an admin-only action on A's app and on the other workspace's
    own_workspace = _call(trio.bob, {"get": "retrieve"}, pk=objects_a.app.id)
    elsewhere = _call(trio.bob, {"get": "retrieve"}, pk=other.id)
    # then A's app is refused (403), the other is not found (404): tenancy first
    assert own_workspace.status_code == 403
    assert elsewhere.status_code == 404


def test_it_fails_loudly_when_an_action_never_decides_on_its_object(trio, objects_a):
    # when a member uses an action whose rule depends on the object's creator, and the action
    # acts without looking the object up
    with pytest.raises(ImproperlyConfigured, match=r"ProbeViewSet.touch: call get_object\(\)"):
        _call(trio.bob, {"post": "touch"}, method="post", pk=objects_a.app.id)


def test_it_refuses_to_serve_a_view_with_neither_a_table_nor_permissions_of_its_own(trio):
    # given a plain view under the API's default permission class
    class Bare(APIView):
        def get(self, request):
            return Response({})

    request = APIRequestFactory().get("/bare/")
    force_authenticate(
        request, user=trio.alice.user, token=WorkspaceContext(trio.alice.workspace, Role.OWNER)
    )
    # when it is called, then it is a mistake of the code, not an answer
    with pytest.raises(ImproperlyConfigured, match="declares no `roles` table"):
        Bare.as_view()(request)


def test_it_serves_every_view_of_the_api_through_a_table_or_as_a_known_exception():
    # given every view the API's URLs name
    views = set()
    pending = list(urlpatterns)
    while pending:
        pattern = pending.pop()
        if hasattr(pattern, "url_patterns"):
            pending.extend(pattern.url_patterns)
        else:
            views.add(pattern.callback.cls)
    # then each is a WorkspaceViewSet (with its table), or the sign-in and invite links, open to anyone
    assert {v for v in views if not issubclass(v, WorkspaceViewSet)} == {
        SessionView,
        InvitationView,
        InvitationPreviewView,
    }
