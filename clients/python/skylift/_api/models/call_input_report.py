from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.call_attempt import CallAttempt





T = TypeVar("T", bound="CallInputReport")



@_attrs_define
class CallInputReport:
    """ 
        Attributes:
            id (str):
            idx (int):
            status (str):
            attempts (int): Times a container claimed it
            crashes (int): Attempts lost to container crashes
            retries_used (int): Attempts spent on the function's Retries policy
            preemptions (int): Re-runs the platform caused (not counted)
            cause (str):
            message (str):
            traceback (str): The remote traceback of an exception, else empty
            task_id (str):
            created_at (datetime.datetime):
            started_at (datetime.datetime | None):
            finished_at (datetime.datetime | None):
            queue_seconds (float | None):
            run_seconds (float | None):
            attempt_history (list[CallAttempt]): Its attempts in order, each with how it ended and why
     """

    id: str
    idx: int
    status: str
    attempts: int
    crashes: int
    retries_used: int
    preemptions: int
    cause: str
    message: str
    traceback: str
    task_id: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    queue_seconds: float | None
    run_seconds: float | None
    attempt_history: list[CallAttempt]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.call_attempt import CallAttempt # noqa: PLC0415
        id = self.id

        idx = self.idx

        status = self.status

        attempts = self.attempts

        crashes = self.crashes

        retries_used = self.retries_used

        preemptions = self.preemptions

        cause = self.cause

        message = self.message

        traceback = self.traceback

        task_id = self.task_id

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        queue_seconds: float | None
        queue_seconds = self.queue_seconds

        run_seconds: float | None
        run_seconds = self.run_seconds

        attempt_history = []
        for attempt_history_item_data in self.attempt_history:
            attempt_history_item = attempt_history_item_data.to_dict()
            attempt_history.append(attempt_history_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "idx": idx,
            "status": status,
            "attempts": attempts,
            "crashes": crashes,
            "retries_used": retries_used,
            "preemptions": preemptions,
            "cause": cause,
            "message": message,
            "traceback": traceback,
            "task_id": task_id,
            "created_at": created_at,
            "started_at": started_at,
            "finished_at": finished_at,
            "queue_seconds": queue_seconds,
            "run_seconds": run_seconds,
            "attempt_history": attempt_history,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_attempt import CallAttempt # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        idx = d.pop("idx")

        status = d.pop("status")

        attempts = d.pop("attempts")

        crashes = d.pop("crashes")

        retries_used = d.pop("retries_used")

        preemptions = d.pop("preemptions")

        cause = d.pop("cause")

        message = d.pop("message")

        traceback = d.pop("traceback")

        task_id = d.pop("task_id")

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


        def _parse_run_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        run_seconds = _parse_run_seconds(d.pop("run_seconds"))


        attempt_history = []
        _attempt_history = d.pop("attempt_history")
        for attempt_history_item_data in (_attempt_history):
            attempt_history_item = CallAttempt.from_dict(attempt_history_item_data)



            attempt_history.append(attempt_history_item)


        call_input_report = cls(
            id=id,
            idx=idx,
            status=status,
            attempts=attempts,
            crashes=crashes,
            retries_used=retries_used,
            preemptions=preemptions,
            cause=cause,
            message=message,
            traceback=traceback,
            task_id=task_id,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
            queue_seconds=queue_seconds,
            run_seconds=run_seconds,
            attempt_history=attempt_history,
        )


        call_input_report.additional_properties = d
        return call_input_report

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
