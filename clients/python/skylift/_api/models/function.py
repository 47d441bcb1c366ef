from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.function_web_custom_urls import FunctionWebCustomUrls
  from ..models.function_web_urls import FunctionWebUrls





T = TypeVar("T", bound="Function")



@_attrs_define
class Function:
    """ 
        Attributes:
            id (str):
            app_id (str):
            version_id (None | str):
            retired_at (datetime.datetime | None):
            name (str):
            module (str): Module to import in the container
            qualname (str):
            image_id (str):
            mount_sha256 (None | str):
            cpu (float):
            memory (int): MiB
            timeout (int): seconds per attempt
            gpu (str):
            scaledown_window (int):
            block_network (bool):
            i6pn (bool):
            restrict_modal_access (bool):
            volumes (Any): Volumes mounted in its containers: [{"path", "volume_id"}]
            secrets (Any): ids of the secrets its containers get, later ones winning
            min_containers (int):
            max_containers (int | None):
            buffer_containers (int):
            max_inputs (int | None): Retire a container after this many
            is_generator (bool):
            definition (Any):
            parent_id (None | str):
            schedule (Any):
            next_run_at (datetime.datetime | None):
            last_run_at (datetime.datetime | None):
            last_run_call_id (str):
            waiting_reason (str):
            waiting_since (datetime.datetime | None):
            web_urls (FunctionWebUrls): The URL of each part served over HTTP: "" for a function, a method's name for a
                class
            web_custom_urls (FunctionWebCustomUrls): The URLs of the custom domains of each part that has some
                (custom_domains=)
            created_at (datetime.datetime):
     """

    id: str
    app_id: str
    version_id: None | str
    retired_at: datetime.datetime | None
    name: str
    module: str
    qualname: str
    image_id: str
    mount_sha256: None | str
    cpu: float
    memory: int
    timeout: int
    gpu: str
    scaledown_window: int
    block_network: bool
    i6pn: bool
    restrict_modal_access: bool
    volumes: Any
    secrets: Any
    min_containers: int
    max_containers: int | None
    buffer_containers: int
    max_inputs: int | None
    is_generator: bool
    definition: Any
    parent_id: None | str
    schedule: Any
    next_run_at: datetime.datetime | None
    last_run_at: datetime.datetime | None
    last_run_call_id: str
    waiting_reason: str
    waiting_since: datetime.datetime | None
    web_urls: FunctionWebUrls
    web_custom_urls: FunctionWebCustomUrls
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.function_web_custom_urls import FunctionWebCustomUrls # noqa: PLC0415
        from ..models.function_web_urls import FunctionWebUrls # noqa: PLC0415
        id = self.id

        app_id = self.app_id

        version_id: None | str
        version_id = self.version_id

        retired_at: None | str
        if isinstance(self.retired_at, datetime.datetime):
            retired_at = self.retired_at.isoformat()
        else:
            retired_at = self.retired_at

        name = self.name

        module = self.module

        qualname = self.qualname

        image_id = self.image_id

        mount_sha256: None | str
        mount_sha256 = self.mount_sha256

        cpu = self.cpu

        memory = self.memory

        timeout = self.timeout

        gpu = self.gpu

        scaledown_window = self.scaledown_window

        block_network = self.block_network

        i6pn = self.i6pn

        restrict_modal_access = self.restrict_modal_access

        volumes = self.volumes

        secrets = self.secrets

        min_containers = self.min_containers

        max_containers: int | None
        max_containers = self.max_containers

        buffer_containers = self.buffer_containers

        max_inputs: int | None
        max_inputs = self.max_inputs

        is_generator = self.is_generator

        definition = self.definition

        parent_id: None | str
        parent_id = self.parent_id

        schedule = self.schedule

        next_run_at: None | str
        if isinstance(self.next_run_at, datetime.datetime):
            next_run_at = self.next_run_at.isoformat()
        else:
            next_run_at = self.next_run_at

        last_run_at: None | str
        if isinstance(self.last_run_at, datetime.datetime):
            last_run_at = self.last_run_at.isoformat()
        else:
            last_run_at = self.last_run_at

        last_run_call_id = self.last_run_call_id

        waiting_reason = self.waiting_reason

        waiting_since: None | str
        if isinstance(self.waiting_since, datetime.datetime):
            waiting_since = self.waiting_since.isoformat()
        else:
            waiting_since = self.waiting_since

        web_urls = self.web_urls.to_dict()

        web_custom_urls = self.web_custom_urls.to_dict()

        created_at = self.created_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "app_id": app_id,
            "version_id": version_id,
            "retired_at": retired_at,
            "name": name,
            "module": module,
            "qualname": qualname,
            "image_id": image_id,
            "mount_sha256": mount_sha256,
            "cpu": cpu,
            "memory": memory,
            "timeout": timeout,
            "gpu": gpu,
            "scaledown_window": scaledown_window,
            "block_network": block_network,
            "i6pn": i6pn,
            "restrict_modal_access": restrict_modal_access,
            "volumes": volumes,
            "secrets": secrets,
            "min_containers": min_containers,
            "max_containers": max_containers,
            "buffer_containers": buffer_containers,
            "max_inputs": max_inputs,
            "is_generator": is_generator,
            "definition": definition,
            "parent_id": parent_id,
            "schedule": schedule,
            "next_run_at": next_run_at,
            "last_run_at": last_run_at,
            "last_run_call_id": last_run_call_id,
            "waiting_reason": waiting_reason,
            "waiting_since": waiting_since,
            "web_urls": web_urls,
            "web_custom_urls": web_custom_urls,
            "created_at": created_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.function_web_custom_urls import FunctionWebCustomUrls # noqa: PLC0415
        from ..models.function_web_urls import FunctionWebUrls # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        app_id = d.pop("app_id")

        def _parse_version_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        version_id = _parse_version_id(d.pop("version_id"))


        def _parse_retired_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retired_at_type_0 = datetime.datetime.fromisoformat(data)



                return retired_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        retired_at = _parse_retired_at(d.pop("retired_at"))


        name = d.pop("name")

        module = d.pop("module")

        qualname = d.pop("qualname")

        image_id = d.pop("image_id")

        def _parse_mount_sha256(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        mount_sha256 = _parse_mount_sha256(d.pop("mount_sha256"))


        cpu = d.pop("cpu")

        memory = d.pop("memory")

        timeout = d.pop("timeout")

        gpu = d.pop("gpu")

        scaledown_window = d.pop("scaledown_window")

        block_network = d.pop("block_network")

        i6pn = d.pop("i6pn")

        restrict_modal_access = d.pop("restrict_modal_access")

        volumes = d.pop("volumes")

        secrets = d.pop("secrets")

        min_containers = d.pop("min_containers")

        def _parse_max_containers(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_containers = _parse_max_containers(d.pop("max_containers"))


        buffer_containers = d.pop("buffer_containers")

        def _parse_max_inputs(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_inputs = _parse_max_inputs(d.pop("max_inputs"))


        is_generator = d.pop("is_generator")

        definition = d.pop("definition")

        def _parse_parent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        parent_id = _parse_parent_id(d.pop("parent_id"))


        schedule = d.pop("schedule")

        def _parse_next_run_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_run_at_type_0 = datetime.datetime.fromisoformat(data)



                return next_run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_run_at = _parse_next_run_at(d.pop("next_run_at"))


        def _parse_last_run_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_run_at_type_0 = datetime.datetime.fromisoformat(data)



                return last_run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_run_at = _parse_last_run_at(d.pop("last_run_at"))


        last_run_call_id = d.pop("last_run_call_id")

        waiting_reason = d.pop("waiting_reason")

        def _parse_waiting_since(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                waiting_since_type_0 = datetime.datetime.fromisoformat(data)



                return waiting_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        waiting_since = _parse_waiting_since(d.pop("waiting_since"))


        web_urls = FunctionWebUrls.from_dict(d.pop("web_urls"))




        web_custom_urls = FunctionWebCustomUrls.from_dict(d.pop("web_custom_urls"))




        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        function = cls(
            id=id,
            app_id=app_id,
            version_id=version_id,
            retired_at=retired_at,
            name=name,
            module=module,
            qualname=qualname,
            image_id=image_id,
            mount_sha256=mount_sha256,
            cpu=cpu,
            memory=memory,
            timeout=timeout,
            gpu=gpu,
            scaledown_window=scaledown_window,
            block_network=block_network,
            i6pn=i6pn,
            restrict_modal_access=restrict_modal_access,
            volumes=volumes,
            secrets=secrets,
            min_containers=min_containers,
            max_containers=max_containers,
            buffer_containers=buffer_containers,
            max_inputs=max_inputs,
            is_generator=is_generator,
            definition=definition,
            parent_id=parent_id,
            schedule=schedule,
            next_run_at=next_run_at,
            last_run_at=last_run_at,
            last_run_call_id=last_run_call_id,
            waiting_reason=waiting_reason,
            waiting_since=waiting_since,
            web_urls=web_urls,
            web_custom_urls=web_custom_urls,
            created_at=created_at,
        )


        function.additional_properties = d
        return function

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
