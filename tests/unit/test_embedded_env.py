"""The embedded server's settings for its processes: without root it runs without the host
firewall (which needs root) unless told otherwise."""

from __future__ import annotations

import os

from processes import supervisor


def test_without_root_it_runs_without_the_host_firewall(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv("SKYLIFT_HOST_FIREWALL", raising=False)
    assert supervisor._django_env("postgres://x", "redis://y")["SKYLIFT_HOST_FIREWALL"] == "off"
    monkeypatch.setenv("SKYLIFT_HOST_FIREWALL", "on")  # an operator's choice stands
    assert supervisor._django_env("postgres://x", "redis://y")["SKYLIFT_HOST_FIREWALL"] == "on"


def test_as_root_it_keeps_the_host_firewall(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.delenv("SKYLIFT_HOST_FIREWALL", raising=False)
    assert "SKYLIFT_HOST_FIREWALL" not in supervisor._django_env("postgres://x", "redis://y")


def test_its_agent_makes_its_own_host_token(monkeypatch):
    # the embedded platform's agent runs beside its control plane: no operator hands it a token
    monkeypatch.delenv("SKYLIFT_HOST_TOKEN_AUTO", raising=False)
    assert supervisor._django_env("postgres://x", "redis://y")["SKYLIFT_HOST_TOKEN_AUTO"] == "true"
