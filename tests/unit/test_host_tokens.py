"""Host tokens: an agent is the agent of the host its token names, and of no other (hosts/tokens.py)."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hosts.lease import Lease
from hosts.models import Host, HostToken
from hosts.services import host_heartbeat, host_register
from hosts.tokens import HostTokenError, agent_token, token_create, token_revoke, token_verify

pytestmark = pytest.mark.django_db


def test_it_keeps_only_a_hash_and_verifies_the_token_it_made():
    # given a token made for gpu-1
    token, plaintext = token_create(host_name="gpu-1", note="rack 4")
    # then it reads ht-…:hs-…, and only the secret's hash is stored
    token_id, _, secret = plaintext.partition(":")
    assert token_id == token.id and token_id.startswith("ht-") and secret.startswith("hs-")
    stored = HostToken.objects.get(pk=token.id)
    assert secret not in stored.secret_hash and stored.host_name == "gpu-1" and not stored.automatic
    # and it verifies, alone or with the host name the agent was told
    assert token_verify(plaintext).pk == token.pk
    assert token_verify(plaintext, host_name="gpu-1").pk == token.pk
    assert HostToken.objects.get(pk=token.id).last_used_at is not None


@pytest.mark.parametrize(
    ("presented", "message"),
    [
        ("not-a-token", "is not a host token (the form is ht-…:hs-…)"),
        ("ht-nosuchtoken:hs-whatever", "ht-nosuchtoken was not accepted: no such token, or a wrong secret"),
    ],
)
def test_it_refuses_what_is_not_a_token(presented, message):
    with pytest.raises(HostTokenError, match=re.escape(message)):
        token_verify(presented)


def test_it_refuses_a_wrong_secret_a_revoked_token_and_another_hosts_token():
    token, plaintext = token_create(host_name="gpu-1")
    with pytest.raises(HostTokenError, match="was not accepted"):
        token_verify(f"{token.id}:hs-wrong")
    # a token of gpu-1 presented by an agent told it is gpu-2 does not make it gpu-1
    with pytest.raises(HostTokenError, match="is host 'gpu-1''s, and this agent was told it is 'gpu-2'"):
        token_verify(plaintext, host_name="gpu-2")
    token_revoke(token_id=token.id)
    with pytest.raises(HostTokenError, match=r"was revoked at .*host_token create gpu-1"):
        token_verify(plaintext)


def test_it_refuses_a_host_name_that_cannot_be_a_queue():
    with pytest.raises(HostTokenError, match="is not a valid host name"):
        token_create(host_name="gpu 1; rm")


def test_an_agent_without_a_token_starts_only_where_its_settings_make_one():
    # given no token presented, and no automatic tokens
    with pytest.raises(HostTokenError, match="no host token: start the agent with SKYLIFT_HOST_TOKEN"):
        agent_token(presented="", declared_name="gpu-1", automatic=False, machine_name="box")
    # with them, a token is made for the name it was told, or else the machine's
    first = agent_token(presented="", declared_name=None, automatic=True, machine_name="box")
    assert first.host_name == "box" and first.automatic
    # and its next start replaces it
    second = agent_token(presented="", declared_name=None, automatic=True, machine_name="box")
    assert HostToken.objects.get(pk=first.pk).revoked_at is not None
    assert HostToken.objects.get(pk=second.pk).revoked_at is None
    # but a host an operator made a token for gets none automatically
    token_create(host_name="gpu-1")
    with pytest.raises(HostTokenError, match="has a token an operator made"):
        agent_token(presented="", declared_name="gpu-1", automatic=True, machine_name="box")


def test_the_agent_command_refuses_to_start_without_its_hosts_token(settings, monkeypatch):
    # given an agent with no token where none is made automatically
    settings.SKYLIFT_HOST_TOKEN, settings.SKYLIFT_HOST_TOKEN_AUTO = "", False
    monkeypatch.setenv("SKYLIFT_HOST_NAME", "gpu-7")
    with pytest.raises(CommandError, match="no host token.*host_token create gpu-7"):
        call_command("host_agent")
    # and one presenting gpu-1's token
    _, plaintext = token_create(host_name="gpu-1")
    settings.SKYLIFT_HOST_TOKEN = plaintext
    with pytest.raises(CommandError, match="is host 'gpu-1''s, and this agent was told it is 'gpu-7'"):
        call_command("host_agent")
    assert not Host.objects.filter(name__in=["gpu-1", "gpu-7"]).exists()


def test_a_revoked_token_ends_its_hosts_lease_and_refuses_its_heartbeats():
    # given a host registered by an agent with its token
    token, _ = token_create(host_name="gpu-1")
    host = host_register(name="gpu-1", token=token)
    assert host_heartbeat(host=host) == []
    # when the operator revokes the token
    token_revoke(token_id=token.id)
    # then the host is out of placement at once, and its next heartbeat renews nothing
    stored = Host.objects.get(pk=host.pk)
    assert stored.draining and stored.lease_expires_at <= timezone.now()
    assert not Host.objects.alive().filter(pk=host.pk).exists()
    with pytest.raises(HostTokenError, match=f"token {token.id} of host gpu-1 was revoked") as refused:
        host_heartbeat(host=host)
    assert refused.value.fence  # its containers' inputs run elsewhere: the agent kills them
    assert Host.objects.get(pk=host.pk).lease_expires_at == stored.lease_expires_at


def test_an_agent_replaced_by_another_for_its_host_stops_without_killing_its_containers(transactional_db):
    # given a host's agent, and then a second agent registering the same host with another token
    first, _ = token_create(host_name="gpu-1")
    old = host_register(name="gpu-1", token=first)
    second, _ = token_create(host_name="gpu-1")
    host_register(name="gpu-1", token=second)
    refusals: list[HostTokenError] = []
    lease = Lease(old, renew_every=0.01, length=30.0, on_refused=refusals.append)
    stop = threading.Event()
    # when the first agent's heartbeat runs (in a thread of its own, as in the agent)
    beating = threading.Thread(target=lease.run_heartbeat, args=(stop,), daemon=True)
    beating.start()
    beating.join(timeout=60)
    # then it is refused (the queue is the newer agent's), the loop ends and the agent is told to stop
    assert stop.is_set() and len(refusals) == 1
    assert f"registered again by an agent with token {second.id}" in str(refusals[0])
    assert not refusals[0].fence


def test_an_agent_whose_automatic_token_the_next_start_replaced_stops_without_fencing():
    # given a host registered with an automatic token
    first = agent_token(presented="", declared_name="box", automatic=True, machine_name="box")
    old = host_register(name="box", token=first)
    # when another agent for the host starts (its token made, not yet registered)
    agent_token(presented="", declared_name="box", automatic=True, machine_name="box")
    # then the first agent's heartbeat is refused as replaced: the containers are the next agent's
    with pytest.raises(HostTokenError, match="taken over by a newer agent's automatic token") as refused:
        host_heartbeat(host=old)
    assert not refused.value.fence


def test_an_operator_revokes_a_token_in_the_admin(admin_client):
    # given a host registered with its token
    token, _ = token_create(host_name="gpu-1")
    host = host_register(name="gpu-1", token=token)
    # when an operator revokes it from the admin's list of host tokens
    listed = admin_client.get("/admin/hosts/hosttoken/")
    assert listed.status_code == 200 and token.id in listed.content.decode()
    admin_client.post("/admin/hosts/hosttoken/", {"action": "revoke", "_selected_action": [token.id]})
    # then it is revoked, and its host out of placement, as with the command
    assert HostToken.objects.get(pk=token.id).revoked_at is not None
    assert Host.objects.get(pk=host.pk).draining
