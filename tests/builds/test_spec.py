"""Image specs without Docker: layer identities, canonical forms, Dockerfile and registry checks."""

from __future__ import annotations

import socket

import pytest

from builds.spec import BUILDER_VERSION, SpecError, parse_dockerfile, plan_image, registry_host

PY = {"3.11": "skylift/debian-slim:3.11"}
SHA = "a" * 64


def plan(steps=(), workspace="ws-1", **base):
    return plan_image(
        workspace_id=workspace, spec={"base": "debian_slim", **base, "steps": list(steps)}, python_versions=PY
    )


def hashes(steps=(), **kw) -> list[str]:
    return [layer.hash for layer in plan(steps, **kw).layers]


def test_it_gives_every_step_a_layer_whose_identity_chains_its_parents():
    one = hashes([{"kind": "run_commands", "commands": ["a"]}, {"kind": "run_commands", "commands": ["b"]}])
    two = hashes([{"kind": "run_commands", "commands": ["A"]}, {"kind": "run_commands", "commands": ["b"]}])
    assert len(one) == 3
    assert one[0] == two[0]  # the base is shared
    assert one[1] != two[1] and one[2] != two[2]  # a changed step changes itself and what follows


def test_it_ignores_the_order_of_packages_but_not_of_commands():
    assert hashes([{"kind": "pip_install", "packages": ["b", "a", "a"]}]) == hashes(
        [{"kind": "pip_install", "packages": ["a", "b"]}]
    )
    assert hashes([{"kind": "apt_install", "packages": ["jq", "git"]}]) == hashes(
        [{"kind": "apt_install", "packages": ["git", "jq"]}]
    )
    assert hashes([{"kind": "run_commands", "commands": ["a", "b"]}]) != hashes(
        [{"kind": "run_commands", "commands": ["b", "a"]}]
    )


def test_it_leaves_force_build_and_secret_values_out_of_the_identity():
    plain = hashes([{"kind": "run_commands", "commands": ["x"]}])
    forced = plan([{"kind": "run_commands", "commands": ["x"], "force_build": True}])
    assert [layer.hash for layer in forced.layers] == plain
    assert forced.needs_build_always
    a = plan([{"kind": "run_commands", "commands": ["x"], "secrets": [{"TOKEN": "one"}]}])
    b = plan([{"kind": "run_commands", "commands": ["x"], "secrets": [{"TOKEN": "two"}]}])
    assert [x.hash for x in a.layers] == [x.hash for x in b.layers]
    assert a.secrets == {"1": {"TOKEN": "one"}}
    assert "one" not in str(a.canonical)
    # the names count: a step given another secret is another layer
    c = plan([{"kind": "run_commands", "commands": ["x"], "secrets": [{"OTHER": "one"}]}])
    assert c.layers[1].hash != a.layers[1].hash


def test_it_keeps_workspaces_and_builder_versions_apart(monkeypatch):
    assert hashes(workspace="ws-1") != hashes(workspace="ws-2")
    before = hashes([{"kind": "run_commands", "commands": ["x"]}])
    monkeypatch.setattr("builds.spec.BUILDER_VERSION", BUILDER_VERSION + "-next")
    assert hashes([{"kind": "run_commands", "commands": ["x"]}]) != before


def test_it_hashes_copied_files_by_content_and_leaves_attached_files_out_of_the_layers():
    copied = hashes([{"kind": "copy_local", "sha256": SHA, "target": "/data", "type": "dir"}])
    changed = hashes([{"kind": "copy_local", "sha256": "b" * 64, "target": "/data", "type": "dir"}])
    assert copied[-1] != changed[-1]
    attached = plan(mounts=[{"sha256": SHA, "target": "/data", "type": "dir"}])
    other = plan(mounts=[{"sha256": "b" * 64, "target": "/data", "type": "dir"}])
    assert [x.hash for x in attached.layers] == [x.hash for x in other.layers]
    assert attached.image_hash != other.image_hash


def test_it_lists_the_python_versions_it_can_provide():
    with pytest.raises(SpecError) as excinfo:
        plan(python_version="3.7")
    assert str(excinfo.value) == "Python 3.7 cannot be provided by this server."
    assert excinfo.value.hint == "Available Python versions: 3.11"

    with pytest.raises(SpecError) as excinfo:
        plan_image(
            workspace_id="ws",
            spec={
                "base": "from_registry",
                "tag": "alpine:3",
                "steps": [{"kind": "add_python", "python_version": "3.9"}],
            },
            python_versions=PY,
        )
    assert str(excinfo.value) == "add_python=3.9: Python 3.9 cannot be provided by this server."
    assert excinfo.value.hint == "Available Python versions: 3.11"


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"kind": "nope"}, "is not a known build step"),
        ({"kind": "pip_install", "packages": []}, "must not be empty"),
        ({"kind": "pip_install", "packages": ["--index-url=x"]}, "looks like an option"),
        ({"kind": "apt_install", "packages": ["rm -rf /"]}, "is not a Debian package name"),
        ({"kind": "env", "vars": {"1BAD": "x"}}, "must be a variable name"),
        ({"kind": "workdir", "path": "relative"}, "must be an absolute path"),
        ({"kind": "copy_local", "sha256": "short", "target": "/x"}, "sha256 hex digest"),
        ({"kind": "dockerfile_commands", "commands": ["FROM x"]}, "FROM is not allowed here"),
        (
            {"kind": "run_function", "module": "m", "qualname": "f", "source_sha256": SHA},
            "needs the function's source",
        ),
    ],
)
def test_it_refuses_bad_steps_with_the_field_that_is_wrong(step, message):
    with pytest.raises(SpecError, match=message) as excinfo:
        plan([step])
    assert excinfo.value.field.startswith("image.steps[0]")


@pytest.mark.parametrize(
    ("dockerfile", "message"),
    [
        ("FROM x\nVOLUME /data\n", "line 2: VOLUME is not supported"),
        ("FROM x\nONBUILD RUN x\n", "ONBUILD is not supported"),
        ("FROM x\nSTOPSIGNAL SIGTERM\n", "STOPSIGNAL is not supported"),
        ("FROM x\nHEALTHCHECK NONE\n", "HEALTHCHECK is not supported"),
        ("FROM x AS a\nFROM y\n", "multi-stage builds"),
        ("FROM x\nCOPY --from=a /x /y\n", "COPY --from"),
        ("FROM x\nADD https://example.invalid/f /f\n", "ADD from a URL"),
        ("FROM x\nENTRYPOINT /start.sh\n", 'exec "\\$@"'),
        ("FROM x\nENV A=${B:-c}\n", "default values in interpolations"),
        ("RUN x\n", "first instruction must be FROM|no FROM"),
        ("FROM x\nFOO bar\n", "unknown instruction 'FOO'"),
    ],
)
def test_it_refuses_dockerfile_instructions_it_does_not_build(dockerfile, message):
    with pytest.raises(SpecError, match=message):
        parse_dockerfile(dockerfile)


def test_it_reads_dockerfiles_with_continuations_and_comments():
    instructions = parse_dockerfile(
        "# a comment\nFROM base:1\nRUN echo a \\\n  # inside\n  && echo b\nENV X=1\n"
    )
    assert [(i.keyword, i.line) for i in instructions] == [("FROM", 2), ("RUN", 3), ("ENV", 6)]
    assert instructions[1].args == "echo a && echo b"


@pytest.mark.parametrize(
    ("ref", "host"),
    [
        ("ubuntu:22.04", None),
        ("library/ubuntu", None),
        ("team/app:1", None),
        ("localhost:5000/app", "localhost:5000"),
        ("registry.example.com/team/app:1", "registry.example.com"),
        ("10.0.0.1:5000/x@sha256:" + "0" * 64, "10.0.0.1:5000"),
        ("docker.io/library/python:3.11", None),  # the default registry, spelt out
        ("index.docker.io/library/python:3.11", None),
    ],
)
def test_it_finds_the_registry_an_image_reference_names(ref, host):
    assert registry_host(ref) == host


def test_it_refuses_malformed_image_references():
    with pytest.raises(SpecError, match="not a valid image reference"):
        registry_host("UPPER/Case")


class TestRegistryCheck:
    @pytest.fixture(autouse=True)
    def _settings(self, settings):
        settings.SKYLIFT_REGISTRY_ALLOWLIST = ["allowed.internal:5000"]

    @staticmethod
    def _resolve_to(monkeypatch, *addresses):
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 0)) for ip in addresses],
        )

    def test_it_refuses_registries_that_resolve_to_private_or_loopback_addresses(self, monkeypatch):
        from builds.services import registry_check

        for address in (
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "::ffff:127.0.0.1",
        ):
            self._resolve_to(monkeypatch, address)
            with pytest.raises(SpecError, match="private or loopback"):
                registry_check("registry.example.com/app:1")

    def test_it_refuses_a_name_that_etc_hosts_gives_a_loopback_address(self):
        from builds.services import registry_check

        with pytest.raises(SpecError, match=r"localhost:6379 resolves to a private or loopback address"):
            registry_check("localhost:6379/x")

    def test_it_refuses_when_any_address_is_private(self, monkeypatch):
        from builds.services import registry_check

        self._resolve_to(monkeypatch, "93.184.216.34", "10.0.0.1")
        with pytest.raises(SpecError, match=r"\(10\.0\.0\.1\)"):
            registry_check("registry.example.com/app:1")

    def test_it_reads_allowlisted_ipv6_hosts_with_or_without_brackets(self, monkeypatch, settings):
        from builds.services import registry_check

        self._resolve_to(monkeypatch, "fd00::1")
        settings.SKYLIFT_REGISTRY_ALLOWLIST = ["[fd00::1]"]
        registry_check("[fd00::1]:5000/app:1")
        settings.SKYLIFT_REGISTRY_ALLOWLIST = ["[fd00::1]:5000"]
        registry_check("[fd00::1]:5000/app:1")
        with pytest.raises(SpecError, match="private or loopback"):
            registry_check("[fd00::1]:6000/app:1")

    def test_it_allows_public_and_allowlisted_registries(self, monkeypatch):
        from builds.services import registry_check

        self._resolve_to(monkeypatch, "93.184.216.34")
        registry_check("registry.example.com/app:1")
        self._resolve_to(monkeypatch, "10.0.0.1")
        registry_check("allowed.internal:5000/app:1")
        registry_check("ubuntu:22.04")  # the engine's default registry is not resolved here


def test_it_refuses_a_dockerfile_whose_from_image_is_not_written_out():
    with pytest.raises(SpecError, match=r"FROM names its image through a variable \(\$\{BASE\}\)"):
        plan_image(
            workspace_id="ws",
            spec={"base": "from_dockerfile", "dockerfile": "ARG BASE=r.example.com/x\nFROM ${BASE}\n"},
            python_versions=PY,
        )


def test_it_points_a_dockerfile_at_the_image_it_pulled_and_only_on_one_line():
    from builds.spec import replace_from

    text = "# syntax\nFROM --platform=linux/amd64 r.example.com/x:1 AS base\nRUN echo r.example.com/x:1\n"
    assert replace_from(text, "r.example.com/x:1", "skylift/from:abc") == (
        "# syntax\nFROM --platform=linux/amd64 skylift/from:abc AS base\nRUN echo r.example.com/x:1\n"
    )
    with pytest.raises(SpecError, match="FROM instruction spans several lines"):
        replace_from("FROM \\\n  r.example.com/x:1\nRUN true\n", "r.example.com/x:1", "skylift/from:abc")


@pytest.mark.parametrize(
    ("ref", "parts"),
    [
        ("r.example.com/team/app", ("r.example.com", "team/app", "latest")),
        ("r.example.com:5000/app:1.0", ("r.example.com:5000", "app", "1.0")),
        ("r.example.com/app:1.0@sha256:" + "a" * 64, ("r.example.com", "app", "sha256:" + "a" * 64)),
    ],
)
def test_it_splits_a_reference_into_registry_repository_and_what_to_pull(ref, parts):
    from builds.registry_pull import _split_reference

    assert _split_reference(ref) == parts


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::ffff:169.254.169.254",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1
    ],
)
def test_it_sees_the_private_ipv4_address_inside_an_ipv6_one(address):
    from builds.registry_pull import address_is_public

    assert not address_is_public(address)
    assert address_is_public("2606:4700::1111") and address_is_public("93.184.216.34")


def _conda_plan(steps=(), channels=("conda-forge",)):
    return plan_image(
        workspace_id="ws-1",
        spec={"base": "micromamba", "python_version": "3.12", "steps": list(steps)},
        python_versions=PY,
        conda_channels=list(channels),
    )


def test_a_micromamba_base_gets_python_from_the_servers_channels_with_tools_of_a_debian_slim_base():
    layers = _conda_plan().layers
    assert layers[0].step["ref"] == "skylift/debian-slim:3.11" and layers[0].step["tools_python"] == "3.11"
    assert layers[1].step["kind"] == "micromamba_install"
    assert layers[1].step["packages"] == ["pip", "python=3.12"]
    assert layers[1].step["channels"] == ["conda-forge"]
    # the server's channels are part of the identity: another mirror is another environment
    assert _conda_plan(channels=["file:///srv/mirror"]).layers[1].hash != layers[1].hash


def test_a_micromamba_install_without_channels_takes_the_servers_and_may_not_name_a_host_folder():
    step = {"kind": "micromamba_install", "packages": ["numpy"]}
    assert _conda_plan([step], channels=["file:///srv/mirror"]).layers[2].step["channels"] == [
        "file:///srv/mirror"
    ]
    own = {**step, "channels": ["bioconda", "conda-forge"]}
    assert _conda_plan([own]).layers[2].step["channels"] == ["bioconda", "conda-forge"]
    for folder in ["file:///etc", "FILE:///etc", " file:/etc", "file://localhost/etc"]:
        with pytest.raises(SpecError, match="only the operator"):
            _conda_plan([{**step, "channels": [folder]}])
    with pytest.raises(SpecError, match="Image.micromamba"):
        plan([step])


def test_an_error_in_a_step_of_a_micromamba_image_names_that_step_not_the_next():
    # given a micromamba image (its Python install is an implicit step before the user's own)
    good = {"kind": "micromamba_install", "packages": ["numpy"]}
    bad_channel = {**good, "channels": ["file:///etc"]}
    bad_package = {"kind": "pip_install", "packages": [3]}
    # then an error names the index of the step in the list the user gave
    with pytest.raises(SpecError) as first:
        _conda_plan([bad_channel, good])
    assert first.value.field == "image.steps[0].channels"
    with pytest.raises(SpecError) as second:
        _conda_plan([good, bad_package])
    assert second.value.field == "image.steps[1].packages[0]"
    assert str(second.value).startswith("image.steps[1].packages[0] ")
