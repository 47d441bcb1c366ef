from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.function_call_status_enum import FunctionCallStatusEnum
from typing import cast
import datetime






T = TypeVar("T", bound="CallRow")



@_attrs_define
class CallRow:
    """ A call as the calls table shows it (GET /calls/): the call, with how its inputs ran.

        Attributes:
            id (str):
            function_id (str):
            function_name (str):
            app_id (str):
            kind (str):
            status (FunctionCallStatusEnum): * `pending` - Pending
                * `running` - Running
                * `succeeded` - Succeeded
                * `failed` - Failed
                * `cancelled` - Cancelled
            input_count (int):
            waiting_reason (str): While the call is not finished: why no container of its function could be placed (which
                hosts lack what); empty when one was
            created_at (datetime.datetime):
            finished_at (datetime.datetime | None):
            queue_seconds (float | None): The call made until its first input started (null while none has)
            cold_start (bool): An input waited for its container to start Default: False.
            task_id (None | str): The container of its first input (null before one claimed it)
            attempts (int | None): The most attempts any of its inputs took
     """

    id: str
    function_id: str
    function_name: str
    app_id: str
    kind: str
    status: FunctionCallStatusEnum
    input_count: int
    waiting_reason: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    queue_seconds: float | None
    task_id: None | str
    attempts: int | None
    cold_start: bool = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        function_id = self.function_id

        function_name = self.function_name

        app_id = self.app_id

        kind = self.kind

        status = self.status.value

        input_count = self.input_count

        waiting_reason = self.waiting_reason

        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        queue_seconds: float | None
        queue_seconds = self.queue_seconds

        cold_start = self.cold_start

        task_id: None | str
        task_id = self.task_id

        attempts: int | None
        attempts = self.attempts


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "function_id": function_id,
            "function_name": function_name,
            "app_id": app_id,
            "kind": kind,
            "status": status,
            "input_count": input_count,
            "waiting_reason": waiting_reason,
            "created_at": created_at,
            "finished_at": finished_at,
            "queue_seconds": queue_seconds,
            "cold_start": cold_start,
            "task_id": task_id,
            "attempts": attempts,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        function_id = d.pop("function_id")

        function_name = d.pop("function_name")

        app_id = d.pop("app_id")

        kind = d.pop("kind")

        status = FunctionCallStatusEnum(d.pop("status"))




        input_count = d.pop("input_count")

        waiting_reason = d.pop("waiting_reason")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)



                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))


        def _parse_queue_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        queue_seconds = _parse_queue_seconds(d.pop("queue_seconds"))


        cold_start = d.pop("cold_start")

        def _parse_task_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        task_id = _parse_task_id(d.pop("task_id"))


        def _parse_attempts(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        attempts = _parse_attempts(d.pop("attempts"))


        call_row = cls(
            id=id,
            function_id=function_id,
            function_name=function_name,
            app_id=app_id,
            kind=kind,
            status=status,
            input_count=input_count,
            waiting_reason=waiting_reason,
            created_at=created_at,
            finished_at=finished_at,
            queue_seconds=queue_seconds,
            cold_start=cold_start,
            task_id=task_id,
            attempts=attempts,
        )


        call_row.additional_properties = d
        return call_row

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
