from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.task_status_enum import TaskStatusEnum
from typing import cast
import datetime






T = TypeVar("T", bound="Sandbox")



@_attrs_define
class Sandbox:
    """ 
        Attributes:
            id (str):
            name (str):
            app_id (None | str):
            image_id (str):
            command (Any): argv; empty: the container idles
            workdir (str):
            cpu (float):
            memory (int): MiB
            cpu_limit (float | None):
            memory_limit (int | None): MiB
            gpu (str): a GPU request, as a function's
            gpu_type (str):
            timeout (int): seconds it may live
            idle_timeout (int | None): seconds without an exec
            block_network (bool):
            cidr_allowlist (Any): the only IPv4 ranges it may reach (None: any)
            volumes (Any): [{"path", "volume_id"}], as a function's
            secrets (Any): secret ids whose values it gets
            tags (Any):
            status (TaskStatusEnum): * `pending` - Pending
                * `starting` - Starting
                * `running` - Running
                * `stopping` - Stopping
                * `stopped` - Stopped
                * `failed` - Failed
            exit_code (int | None):
            returncode (int | None): Its command's exit code once it ended, else null
            cause (str):
            message (str):
            created_at (datetime.datetime):
            started_at (datetime.datetime | None):
            stopped_at (datetime.datetime | None):
            created_by (None | str):
     """

    id: str
    name: str
    app_id: None | str
    image_id: str
    command: Any
    workdir: str
    cpu: float
    memory: int
    cpu_limit: float | None
    memory_limit: int | None
    gpu: str
    gpu_type: str
    timeout: int
    idle_timeout: int | None
    block_network: bool
    cidr_allowlist: Any
    volumes: Any
    secrets: Any
    tags: Any
    status: TaskStatusEnum
    exit_code: int | None
    returncode: int | None
    cause: str
    message: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    stopped_at: datetime.datetime | None
    created_by: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        app_id: None | str
        app_id = self.app_id

        image_id = self.image_id

        command = self.command

        workdir = self.workdir

        cpu = self.cpu

        memory = self.memory

        cpu_limit: float | None
        cpu_limit = self.cpu_limit

        memory_limit: int | None
        memory_limit = self.memory_limit

        gpu = self.gpu

        gpu_type = self.gpu_type

        timeout = self.timeout

        idle_timeout: int | None
        idle_timeout = self.idle_timeout

        block_network = self.block_network

        cidr_allowlist = self.cidr_allowlist

        volumes = self.volumes

        secrets = self.secrets

        tags = self.tags

        status = self.status.value

        exit_code: int | None
        exit_code = self.exit_code

        returncode: int | None
        returncode = self.returncode

        cause = self.cause

        message = self.message

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        stopped_at: None | str
        if isinstance(self.stopped_at, datetime.datetime):
            stopped_at = self.stopped_at.isoformat()
        else:
            stopped_at = self.stopped_at

        created_by: None | str
        created_by = self.created_by


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "name": name,
            "app_id": app_id,
            "image_id": image_id,
            "command": command,
            "workdir": workdir,
            "cpu": cpu,
            "memory": memory,
            "cpu_limit": cpu_limit,
            "memory_limit": memory_limit,
            "gpu": gpu,
            "gpu_type": gpu_type,
            "timeout": timeout,
            "idle_timeout": idle_timeout,
            "block_network": block_network,
            "cidr_allowlist": cidr_allowlist,
            "volumes": volumes,
            "secrets": secrets,
            "tags": tags,
            "status": status,
            "exit_code": exit_code,
            "returncode": returncode,
            "cause": cause,
            "message": message,
            "created_at": created_at,
            "started_at": started_at,
            "stopped_at": stopped_at,
            "created_by": created_by,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        def _parse_app_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        app_id = _parse_app_id(d.pop("app_id"))


        image_id = d.pop("image_id")

        command = d.pop("command")

        workdir = d.pop("workdir")

        cpu = d.pop("cpu")

        memory = d.pop("memory")

        def _parse_cpu_limit(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        cpu_limit = _parse_cpu_limit(d.pop("cpu_limit"))


        def _parse_memory_limit(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        memory_limit = _parse_memory_limit(d.pop("memory_limit"))


        gpu = d.pop("gpu")

        gpu_type = d.pop("gpu_type")

        timeout = d.pop("timeout")

        def _parse_idle_timeout(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        idle_timeout = _parse_idle_timeout(d.pop("idle_timeout"))


        block_network = d.pop("block_network")

        cidr_allowlist = d.pop("cidr_allowlist")

        volumes = d.pop("volumes")

        secrets = d.pop("secrets")

        tags = d.pop("tags")

        status = TaskStatusEnum(d.pop("status"))




        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))


        def _parse_returncode(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        returncode = _parse_returncode(d.pop("returncode"))


        cause = d.pop("cause")

        message = d.pop("message")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)



                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))


        def _parse_stopped_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                stopped_at_type_0 = datetime.datetime.fromisoformat(data)



                return stopped_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        stopped_at = _parse_stopped_at(d.pop("stopped_at"))


        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))


        sandbox = cls(
            id=id,
            name=name,
            app_id=app_id,
            image_id=image_id,
            command=command,
            workdir=workdir,
            cpu=cpu,
            memory=memory,
            cpu_limit=cpu_limit,
            memory_limit=memory_limit,
            gpu=gpu,
            gpu_type=gpu_type,
            timeout=timeout,
            idle_timeout=idle_timeout,
            block_network=block_network,
            cidr_allowlist=cidr_allowlist,
            volumes=volumes,
            secrets=secrets,
            tags=tags,
            status=status,
            exit_code=exit_code,
            returncode=returncode,
            cause=cause,
            message=message,
            created_at=created_at,
            started_at=started_at,
            stopped_at=stopped_at,
            created_by=created_by,
        )


        sandbox.additional_properties = d
        return sandbox

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
