from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="FunctionIdle")



@_attrs_define
class FunctionIdle:
    """ 
        Attributes:
            name (str):
            idle_containers (int): Kept warm with no input (min_containers)
            buffer_containers (int): Started more, only while it serves
            cpu (float): Cores per container
            memory_gib (float): GiB per container
            gpu_type (str): The GPU type it is priced at (the one asked for first)
            gpus (int): GPUs per container
            container_per_hour (float): One container, US dollars per hour
            per_hour (float): Its idle containers, US dollars per hour
     """

    name: str
    idle_containers: int
    buffer_containers: int
    cpu: float
    memory_gib: float
    gpu_type: str
    gpus: int
    container_per_hour: float
    per_hour: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        name = self.name

        idle_containers = self.idle_containers

        buffer_containers = self.buffer_containers

        cpu = self.cpu

        memory_gib = self.memory_gib

        gpu_type = self.gpu_type

        gpus = self.gpus

        container_per_hour = self.container_per_hour

        per_hour = self.per_hour


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "idle_containers": idle_containers,
            "buffer_containers": buffer_containers,
            "cpu": cpu,
            "memory_gib": memory_gib,
            "gpu_type": gpu_type,
            "gpus": gpus,
            "container_per_hour": container_per_hour,
            "per_hour": per_hour,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        idle_containers = d.pop("idle_containers")

        buffer_containers = d.pop("buffer_containers")

        cpu = d.pop("cpu")

        memory_gib = d.pop("memory_gib")

        gpu_type = d.pop("gpu_type")

        gpus = d.pop("gpus")

        container_per_hour = d.pop("container_per_hour")

        per_hour = d.pop("per_hour")

        function_idle = cls(
            name=name,
            idle_containers=idle_containers,
            buffer_containers=buffer_containers,
            cpu=cpu,
            memory_gib=memory_gib,
            gpu_type=gpu_type,
            gpus=gpus,
            container_per_hour=container_per_hour,
            per_hour=per_hour,
        )


        function_idle.additional_properties = d
        return function_idle

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
