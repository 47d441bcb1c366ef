from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.sandbox_create_request_tags import SandboxCreateRequestTags





T = TypeVar("T", bound="SandboxCreateRequest")



@_attrs_define
class SandboxCreateRequest:
    """ 
        Attributes:
            image_id (str): A built image of the workspace (POST /images/)
            app_id (None | str | Unset):
            command (list[str] | Unset): argv; empty: the sandbox idles until terminated or timed out
            name (str | Unset):  Default: ''.
            workdir (str | Unset):  Default: ''.
            cpu (float | None | Unset): cores reserved
            memory (int | None | Unset): MiB reserved
            cpu_limit (float | None | Unset): at most this many cores
            memory_limit (int | None | Unset): MiB at most
            gpu (Any | Unset): A GPU request as a function's: "T4", "H100:2" or a list
            volumes (Any | Unset): Volumes to mount: [{"path", "volume_id"}]
            secrets (Any | Unset): Secrets its processes get: [{"id"}|{"name", "environment"}|{"values": {...}}]
            cidr_allowlist (list[str] | None | Unset): The only IPv4 ranges it may reach (null: any)
            timeout (int | None | Unset):
            idle_timeout (int | None | Unset): Seconds without an open exec or traffic through its tunnels before it stops
                (both count as activity)
            block_network (bool | Unset):  Default: False.
            tags (SandboxCreateRequestTags | Unset):
            encrypted_ports (list[int] | Unset): Ports reached through the web gateway at a URL of their own (GET
                .../tunnels/)
            unencrypted_ports (list[int] | Unset): As encrypted_ports (Skylift offers no raw TCP tunnel yet: the same URL)
     """

    image_id: str
    app_id: None | str | Unset = UNSET
    command: list[str] | Unset = UNSET
    name: str | Unset = ''
    workdir: str | Unset = ''
    cpu: float | None | Unset = UNSET
    memory: int | None | Unset = UNSET
    cpu_limit: float | None | Unset = UNSET
    memory_limit: int | None | Unset = UNSET
    gpu: Any | Unset = UNSET
    volumes: Any | Unset = UNSET
    secrets: Any | Unset = UNSET
    cidr_allowlist: list[str] | None | Unset = UNSET
    timeout: int | None | Unset = UNSET
    idle_timeout: int | None | Unset = UNSET
    block_network: bool | Unset = False
    tags: SandboxCreateRequestTags | Unset = UNSET
    encrypted_ports: list[int] | Unset = UNSET
    unencrypted_ports: list[int] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.sandbox_create_request_tags import SandboxCreateRequestTags # noqa: PLC0415
        image_id = self.image_id

        app_id: None | str | Unset
        if isinstance(self.app_id, Unset):
            app_id = UNSET
        else:
            app_id = self.app_id

        command: list[str] | Unset = UNSET
        if not isinstance(self.command, Unset):
            command = self.command



        name = self.name

        workdir = self.workdir

        cpu: float | None | Unset
        if isinstance(self.cpu, Unset):
            cpu = UNSET
        else:
            cpu = self.cpu

        memory: int | None | Unset
        if isinstance(self.memory, Unset):
            memory = UNSET
        else:
            memory = self.memory

        cpu_limit: float | None | Unset
        if isinstance(self.cpu_limit, Unset):
            cpu_limit = UNSET
        else:
            cpu_limit = self.cpu_limit

        memory_limit: int | None | Unset
        if isinstance(self.memory_limit, Unset):
            memory_limit = UNSET
        else:
            memory_limit = self.memory_limit

        gpu = self.gpu

        volumes = self.volumes

        secrets = self.secrets

        cidr_allowlist: list[str] | None | Unset
        if isinstance(self.cidr_allowlist, Unset):
            cidr_allowlist = UNSET
        elif isinstance(self.cidr_allowlist, list):
            cidr_allowlist = self.cidr_allowlist


        else:
            cidr_allowlist = self.cidr_allowlist

        timeout: int | None | Unset
        if isinstance(self.timeout, Unset):
            timeout = UNSET
        else:
            timeout = self.timeout

        idle_timeout: int | None | Unset
        if isinstance(self.idle_timeout, Unset):
            idle_timeout = UNSET
        else:
            idle_timeout = self.idle_timeout

        block_network = self.block_network

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        encrypted_ports: list[int] | Unset = UNSET
        if not isinstance(self.encrypted_ports, Unset):
            encrypted_ports = self.encrypted_ports



        unencrypted_ports: list[int] | Unset = UNSET
        if not isinstance(self.unencrypted_ports, Unset):
            unencrypted_ports = self.unencrypted_ports




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "image_id": image_id,
        })
        if app_id is not UNSET:
            field_dict["app_id"] = app_id
        if command is not UNSET:
            field_dict["command"] = command
        if name is not UNSET:
            field_dict["name"] = name
        if workdir is not UNSET:
            field_dict["workdir"] = workdir
        if cpu is not UNSET:
            field_dict["cpu"] = cpu
        if memory is not UNSET:
            field_dict["memory"] = memory
        if cpu_limit is not UNSET:
            field_dict["cpu_limit"] = cpu_limit
        if memory_limit is not UNSET:
            field_dict["memory_limit"] = memory_limit
        if gpu is not UNSET:
            field_dict["gpu"] = gpu
        if volumes is not UNSET:
            field_dict["volumes"] = volumes
        if secrets is not UNSET:
            field_dict["secrets"] = secrets
        if cidr_allowlist is not UNSET:
            field_dict["cidr_allowlist"] = cidr_allowlist
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if idle_timeout is not UNSET:
            field_dict["idle_timeout"] = idle_timeout
        if block_network is not UNSET:
            field_dict["block_network"] = block_network
        if tags is not UNSET:
            field_dict["tags"] = tags
        if encrypted_ports is not UNSET:
            field_dict["encrypted_ports"] = encrypted_ports
        if unencrypted_ports is not UNSET:
            field_dict["unencrypted_ports"] = unencrypted_ports

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sandbox_create_request_tags import SandboxCreateRequestTags # noqa: PLC0415
        d = dict(src_dict)
        image_id = d.pop("image_id")

        def _parse_app_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        app_id = _parse_app_id(d.pop("app_id", UNSET))


        command = cast(list[str], d.pop("command", UNSET))


        name = d.pop("name", UNSET)

        workdir = d.pop("workdir", UNSET)

        def _parse_cpu(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        cpu = _parse_cpu(d.pop("cpu", UNSET))


        def _parse_memory(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        memory = _parse_memory(d.pop("memory", UNSET))


        def _parse_cpu_limit(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        cpu_limit = _parse_cpu_limit(d.pop("cpu_limit", UNSET))


        def _parse_memory_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        memory_limit = _parse_memory_limit(d.pop("memory_limit", UNSET))


        gpu = d.pop("gpu", UNSET)

        volumes = d.pop("volumes", UNSET)

        secrets = d.pop("secrets", UNSET)

        def _parse_cidr_allowlist(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                cidr_allowlist_type_0 = cast(list[str], data)

                return cidr_allowlist_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        cidr_allowlist = _parse_cidr_allowlist(d.pop("cidr_allowlist", UNSET))


        def _parse_timeout(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timeout = _parse_timeout(d.pop("timeout", UNSET))


        def _parse_idle_timeout(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        idle_timeout = _parse_idle_timeout(d.pop("idle_timeout", UNSET))


        block_network = d.pop("block_network", UNSET)

        _tags = d.pop("tags", UNSET)
        tags: SandboxCreateRequestTags | Unset
        if isinstance(_tags,  Unset):
            tags = UNSET
        else:
            tags = SandboxCreateRequestTags.from_dict(_tags)




        encrypted_ports = cast(list[int], d.pop("encrypted_ports", UNSET))


        unencrypted_ports = cast(list[int], d.pop("unencrypted_ports", UNSET))


        sandbox_create_request = cls(
            image_id=image_id,
            app_id=app_id,
            command=command,
            name=name,
            workdir=workdir,
            cpu=cpu,
            memory=memory,
            cpu_limit=cpu_limit,
            memory_limit=memory_limit,
            gpu=gpu,
            volumes=volumes,
            secrets=secrets,
            cidr_allowlist=cidr_allowlist,
            timeout=timeout,
            idle_timeout=idle_timeout,
            block_network=block_network,
            tags=tags,
            encrypted_ports=encrypted_ports,
            unencrypted_ports=unencrypted_ports,
        )


        sandbox_create_request.additional_properties = d
        return sandbox_create_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
