from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.deployed_function_request_definition import DeployedFunctionRequestDefinition
  from ..models.deployed_function_request_volumes_item import DeployedFunctionRequestVolumesItem
  from ..models.image_spec_request import ImageSpecRequest





T = TypeVar("T", bound="DeployedFunctionRequest")



@_attrs_define
class DeployedFunctionRequest:
    """ A function of a deploy: as for `POST /functions/`, without the app (the deploy names it) and
    `force` (the deploy's own).

        Attributes:
            name (str):
            qualname (str):
            module (str | Unset):  Default: ''.
            mount_sha256 (None | str | Unset):
            serialized (None | str | Unset):
            image (ImageSpecRequest | Unset): An image as the SDK describes it: a base, build steps, and files attached at
                start.
            cpu (Any | Unset): Cores: a number or [request, limit]
            memory (Any | Unset): MiB: a number or [request, limit]
            timeout (Any | Unset): Seconds per attempt, 1 to 86400
            gpu (Any | Unset): "T4", "H100:8", "any", or a list
            scaledown_window (int | Unset):
            block_network (bool | Unset):  Default: False.
            i6pn (bool | Unset): Its containers reach each other (and other i6pn containers of the workspace on their host)
                on a private network (Modal's i6pn; docs/clusters.md) Default: False.
            restrict_modal_access (bool | Unset): Its containers reach no platform object (Dict, Queue, function, secret,
                lookup) but their own inputs and outputs Default: False.
            volumes (list[DeployedFunctionRequestVolumesItem] | Unset): Volumes to mount: [{"path": "/data", "volume_id":
                "vo-..."}]
            secrets (list[Any] | Unset): Secrets its containers get, later ones winning: {"id": "st-..."} for a named secret
                (or {"name", "environment", "required_keys"} to look one up), {"values": {...}} for an inline one
            is_generator (bool | Unset):  Default: False.
            client_python (str | Unset):
            min_containers (int | Unset):  Default: 0.
            max_containers (int | None | Unset):
            buffer_containers (int | Unset):  Default: 0.
            max_inputs (int | None | Unset): Retire a container after this many inputs
            retries (Any | Unset): A count, or {max_retries, backoff_coefficient, initial_delay, max_delay}
            definition (DeployedFunctionRequestDefinition | Unset): What the container runtime interprets: concurrency,
                batching, class methods
            schedule (Any | Unset): Runs it by itself once deployed: {"period": {"days": 1, ...}} or {"cron": "0 8 * * 1",
                "timezone": "UTC"}
     """

    name: str
    qualname: str
    module: str | Unset = ''
    mount_sha256: None | str | Unset = UNSET
    serialized: None | str | Unset = UNSET
    image: ImageSpecRequest | Unset = UNSET
    cpu: Any | Unset = UNSET
    memory: Any | Unset = UNSET
    timeout: Any | Unset = UNSET
    gpu: Any | Unset = UNSET
    scaledown_window: int | Unset = UNSET
    block_network: bool | Unset = False
    i6pn: bool | Unset = False
    restrict_modal_access: bool | Unset = False
    volumes: list[DeployedFunctionRequestVolumesItem] | Unset = UNSET
    secrets: list[Any] | Unset = UNSET
    is_generator: bool | Unset = False
    client_python: str | Unset = UNSET
    min_containers: int | Unset = 0
    max_containers: int | None | Unset = UNSET
    buffer_containers: int | Unset = 0
    max_inputs: int | None | Unset = UNSET
    retries: Any | Unset = UNSET
    definition: DeployedFunctionRequestDefinition | Unset = UNSET
    schedule: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.deployed_function_request_definition import DeployedFunctionRequestDefinition # noqa: PLC0415
        from ..models.deployed_function_request_volumes_item import DeployedFunctionRequestVolumesItem # noqa: PLC0415
        from ..models.image_spec_request import ImageSpecRequest # noqa: PLC0415
        name = self.name

        qualname = self.qualname

        module = self.module

        mount_sha256: None | str | Unset
        if isinstance(self.mount_sha256, Unset):
            mount_sha256 = UNSET
        else:
            mount_sha256 = self.mount_sha256

        serialized: None | str | Unset
        if isinstance(self.serialized, Unset):
            serialized = UNSET
        else:
            serialized = self.serialized

        image: dict[str, Any] | Unset = UNSET
        if not isinstance(self.image, Unset):
            image = self.image.to_dict()

        cpu = self.cpu

        memory = self.memory

        timeout = self.timeout

        gpu = self.gpu

        scaledown_window = self.scaledown_window

        block_network = self.block_network

        i6pn = self.i6pn

        restrict_modal_access = self.restrict_modal_access

        volumes: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.volumes, Unset):
            volumes = []
            for volumes_item_data in self.volumes:
                volumes_item = volumes_item_data.to_dict()
                volumes.append(volumes_item)



        secrets: list[Any] | Unset = UNSET
        if not isinstance(self.secrets, Unset):
            secrets = self.secrets



        is_generator = self.is_generator

        client_python = self.client_python

        min_containers = self.min_containers

        max_containers: int | None | Unset
        if isinstance(self.max_containers, Unset):
            max_containers = UNSET
        else:
            max_containers = self.max_containers

        buffer_containers = self.buffer_containers

        max_inputs: int | None | Unset
        if isinstance(self.max_inputs, Unset):
            max_inputs = UNSET
        else:
            max_inputs = self.max_inputs

        retries = self.retries

        definition: dict[str, Any] | Unset = UNSET
        if not isinstance(self.definition, Unset):
            definition = self.definition.to_dict()

        schedule = self.schedule


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "qualname": qualname,
        })
        if module is not UNSET:
            field_dict["module"] = module
        if mount_sha256 is not UNSET:
            field_dict["mount_sha256"] = mount_sha256
        if serialized is not UNSET:
            field_dict["serialized"] = serialized
        if image is not UNSET:
            field_dict["image"] = image
        if cpu is not UNSET:
            field_dict["cpu"] = cpu
        if memory is not UNSET:
            field_dict["memory"] = memory
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if gpu is not UNSET:
            field_dict["gpu"] = gpu
        if scaledown_window is not UNSET:
            field_dict["scaledown_window"] = scaledown_window
        if block_network is not UNSET:
            field_dict["block_network"] = block_network
        if i6pn is not UNSET:
            field_dict["i6pn"] = i6pn
        if restrict_modal_access is not UNSET:
            field_dict["restrict_modal_access"] = restrict_modal_access
        if volumes is not UNSET:
            field_dict["volumes"] = volumes
        if secrets is not UNSET:
            field_dict["secrets"] = secrets
        if is_generator is not UNSET:
            field_dict["is_generator"] = is_generator
        if client_python is not UNSET:
            field_dict["client_python"] = client_python
        if min_containers is not UNSET:
            field_dict["min_containers"] = min_containers
        if max_containers is not UNSET:
            field_dict["max_containers"] = max_containers
        if buffer_containers is not UNSET:
            field_dict["buffer_containers"] = buffer_containers
        if max_inputs is not UNSET:
            field_dict["max_inputs"] = max_inputs
        if retries is not UNSET:
            field_dict["retries"] = retries
        if definition is not UNSET:
            field_dict["definition"] = definition
        if schedule is not UNSET:
            field_dict["schedule"] = schedule

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deployed_function_request_definition import DeployedFunctionRequestDefinition # noqa: PLC0415
        from ..models.deployed_function_request_volumes_item import DeployedFunctionRequestVolumesItem # noqa: PLC0415
        from ..models.image_spec_request import ImageSpecRequest # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        qualname = d.pop("qualname")

        module = d.pop("module", UNSET)

        def _parse_mount_sha256(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mount_sha256 = _parse_mount_sha256(d.pop("mount_sha256", UNSET))


        def _parse_serialized(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        serialized = _parse_serialized(d.pop("serialized", UNSET))


        _image = d.pop("image", UNSET)
        image: ImageSpecRequest | Unset
        if isinstance(_image,  Unset):
            image = UNSET
        else:
            image = ImageSpecRequest.from_dict(_image)




        cpu = d.pop("cpu", UNSET)

        memory = d.pop("memory", UNSET)

        timeout = d.pop("timeout", UNSET)

        gpu = d.pop("gpu", UNSET)

        scaledown_window = d.pop("scaledown_window", UNSET)

        block_network = d.pop("block_network", UNSET)

        i6pn = d.pop("i6pn", UNSET)

        restrict_modal_access = d.pop("restrict_modal_access", UNSET)

        _volumes = d.pop("volumes", UNSET)
        volumes: list[DeployedFunctionRequestVolumesItem] | Unset = UNSET
        if _volumes is not UNSET:
            volumes = []
            for volumes_item_data in _volumes:
                volumes_item = DeployedFunctionRequestVolumesItem.from_dict(volumes_item_data)



                volumes.append(volumes_item)


        secrets = cast(list[Any], d.pop("secrets", UNSET))


        is_generator = d.pop("is_generator", UNSET)

        client_python = d.pop("client_python", UNSET)

        min_containers = d.pop("min_containers", UNSET)

        def _parse_max_containers(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_containers = _parse_max_containers(d.pop("max_containers", UNSET))


        buffer_containers = d.pop("buffer_containers", UNSET)

        def _parse_max_inputs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_inputs = _parse_max_inputs(d.pop("max_inputs", UNSET))


        retries = d.pop("retries", UNSET)

        _definition = d.pop("definition", UNSET)
        definition: DeployedFunctionRequestDefinition | Unset
        if isinstance(_definition,  Unset):
            definition = UNSET
        else:
            definition = DeployedFunctionRequestDefinition.from_dict(_definition)




        schedule = d.pop("schedule", UNSET)

        deployed_function_request = cls(
            name=name,
            qualname=qualname,
            module=module,
            mount_sha256=mount_sha256,
            serialized=serialized,
            image=image,
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
            is_generator=is_generator,
            client_python=client_python,
            min_containers=min_containers,
            max_containers=max_containers,
            buffer_containers=buffer_containers,
            max_inputs=max_inputs,
            retries=retries,
            definition=definition,
            schedule=schedule,
        )


        deployed_function_request.additional_properties = d
        return deployed_function_request

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
