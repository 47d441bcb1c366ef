"""The names and URLs of web endpoints (functions.web_names): one rule for the API, the CLI and the gateway."""

from __future__ import annotations

import re

from django.test import override_settings

from functions.web_names import MAX_LABEL, dns_label, endpoint_names, web_url


def names(**given):
    args = {
        "workspace": "acme",
        "environment": None,
        "app": "shop",
        "name": "checkout",
        "label": None,
        "dev": False,
    }
    return endpoint_names(**{**args, **given})


def test_a_function_is_named_after_its_workspace_app_and_name():
    found = names()
    assert (found.host_label, found.path) == ("acme--shop-checkout", "acme/shop/checkout")


def test_a_label_replaces_app_and_function_and_an_ephemeral_app_ends_in_dev():
    assert names(label="pay").host_label == "acme--pay"
    assert names(label="pay").path == "acme/shop/pay"
    served = names(dev=True)
    assert (served.host_label, served.path) == ("acme--shop-checkout-dev", "acme/shop/checkout-dev")


def test_another_environment_follows_the_workspace():
    assert names(environment="staging").host_label == "acme-staging--shop-checkout"


def test_names_become_lower_case_dns_labels():
    assert dns_label("My_App.v2") == "my-app-v2"
    assert names(app="Data_Pipeline", name="Greeter-greet").host_label == "acme--data-pipeline-greeter-greet"


def test_a_label_too_long_for_dns_is_cut_and_ends_with_a_hash_of_the_whole():
    long_one = names(app="a" * 40, name="b" * 40)
    other = names(app="a" * 40, name="b" * 39 + "c")
    assert len(long_one.host_label) == MAX_LABEL
    assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{6}", long_one.host_label)
    assert long_one.host_label != other.host_label  # the hash tells them apart


def test_the_url_takes_the_form_the_server_is_configured_for():
    with override_settings(SKYLIFT_WEB_DOMAIN="", SKYLIFT_PUBLIC_URL="http://127.0.0.1:8000"):
        assert (
            web_url("acme--shop-checkout", "acme/shop/checkout")
            == "http://127.0.0.1:8000/web/acme/shop/checkout"
        )
    with override_settings(SKYLIFT_WEB_DOMAIN="run.example.com", SKYLIFT_WEB_SCHEME="https"):
        assert (
            web_url("acme--shop-checkout", "acme/shop/checkout")
            == "https://acme--shop-checkout.run.example.com"
        )
