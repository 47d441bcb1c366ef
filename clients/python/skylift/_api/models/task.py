from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.task_status_enum import TaskStatusEnum
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.task_current_inputs_item import TaskCurrentInputsItem





T = TypeVar("T", bound="Task")



@_attrs_define
class Task:
    """ 
        Attributes:
            id (str):
            function_id (str):
            function (str):
            app_id (str):
            app (str):
            host (str):
            status (TaskStatusEnum): * `pending` - Pending
                * `starting` - Starting
                * `running` - Running
                * `stopping` - Stopping
                * `stopped` - Stopped
                * `failed` - Failed
            cpu (float): Cores it may use
            memory (int): MiB
            current_inputs (list[TaskCurrentInputsItem]): The inputs it runs now: their ids and their calls' ids
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
    function: str
    app_id: str
    app: str
    host: str
    status: TaskStatusEnum
    cpu: float
    memory: int
    current_inputs: list[TaskCurrentInputsItem]
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
        from ..models.task_current_inputs_item import TaskCurrentInputsItem # noqa: PLC0415
        id = self.id

        function_id = self.function_id

        function = self.function

        app_id = self.app_id

        app = self.app

        host = self.host

        status = self.status.value

        cpu = self.cpu

        memory = self.memory

        current_inputs = []
        for current_inputs_item_data in self.current_inputs:
            current_inputs_item = current_inputs_item_data.to_dict()
            current_inputs.append(current_inputs_item)



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
            "function": function,
            "app_id": app_id,
            "app": app,
            "host": host,
            "status": status,
            "cpu": cpu,
            "memory": memory,
            "current_inputs": current_inputs,
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
        from ..models.task_current_inputs_item import TaskCurrentInputsItem # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        function_id = d.pop("function_id")

        function = d.pop("function")

        app_id = d.pop("app_id")

        app = d.pop("app")

        host = d.pop("host")

        status = TaskStatusEnum(d.pop("status"))




        cpu = d.pop("cpu")

        memory = d.pop("memory")

        current_inputs = []
        _current_inputs = d.pop("current_inputs")
        for current_inputs_item_data in (_current_inputs):
            current_inputs_item = TaskCurrentInputsItem.from_dict(current_inputs_item_data)



            current_inputs.append(current_inputs_item)


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
            function=function,
            app_id=app_id,
            app=app,
            host=host,
            status=status,
            cpu=cpu,
            memory=memory,
            current_inputs=current_inputs,
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
