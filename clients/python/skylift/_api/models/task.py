from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.task_status_enum import TaskStatusEnum
from typing import cast
import datetime






T = TypeVar("T", bound="Task")



@_attrs_define
class Task:
    """ 
        Attributes:
            id (str):
            function_id (str):
            host (str):
            status (TaskStatusEnum): * `pending` - Pending
                * `starting` - Starting
                * `running` - Running
                * `stopping` - Stopping
                * `stopped` - Stopped
                * `failed` - Failed
            exit_code (int | None):
            cause (str):
            inputs_served (int):
            gpu_type (str):
            gpu_devices (list[int]):
            created_at (datetime.datetime):
            started_at (datetime.datetime | None):
            stopped_at (datetime.datetime | None):
     """

    id: str
    function_id: str
    host: str
    status: TaskStatusEnum
    exit_code: int | None
    cause: str
    inputs_served: int
    gpu_type: str
    gpu_devices: list[int]
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    stopped_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        function_id = self.function_id

        host = self.host

        status = self.status.value

        exit_code: int | None
        exit_code = self.exit_code

        cause = self.cause

        inputs_served = self.inputs_served

        gpu_type = self.gpu_type

        gpu_devices = self.gpu_devices



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


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "function_id": function_id,
            "host": host,
            "status": status,
            "exit_code": exit_code,
            "cause": cause,
            "inputs_served": inputs_served,
            "gpu_type": gpu_type,
            "gpu_devices": gpu_devices,
            "created_at": created_at,
            "started_at": started_at,
            "stopped_at": stopped_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        function_id = d.pop("function_id")

        host = d.pop("host")

        status = TaskStatusEnum(d.pop("status"))




        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))


        cause = d.pop("cause")

        inputs_served = d.pop("inputs_served")

        gpu_type = d.pop("gpu_type")

        gpu_devices = cast(list[int], d.pop("gpu_devices"))


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


        task = cls(
            id=id,
            function_id=function_id,
            host=host,
            status=status,
            exit_code=exit_code,
            cause=cause,
            inputs_served=inputs_served,
            gpu_type=gpu_type,
            gpu_devices=gpu_devices,
            created_at=created_at,
            started_at=started_at,
            stopped_at=stopped_at,
        )


        task.additional_properties = d
        return task

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
