from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.call_input_report import CallInputReport
  from ..models.call_log_line import CallLogLine
  from ..models.call_report_counts import CallReportCounts
  from ..models.cold_start_breakdown import ColdStartBreakdown





T = TypeVar("T", bound="CallReport")



@_attrs_define
class CallReport:
    """ 
        Attributes:
            call_id (str):
            counts (CallReportCounts): Inputs by status
            inputs (list[CallInputReport]): The first 200 inputs, by index
            inputs_shown (int):
            cold_start (ColdStartBreakdown):
            logs (list[CallLogLine]): Its log lines, oldest first (the first 2,000)
     """

    call_id: str
    counts: CallReportCounts
    inputs: list[CallInputReport]
    inputs_shown: int
    cold_start: ColdStartBreakdown
    logs: list[CallLogLine]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.call_input_report import CallInputReport # noqa: PLC0415
        from ..models.call_log_line import CallLogLine # noqa: PLC0415
        from ..models.call_report_counts import CallReportCounts # noqa: PLC0415
        from ..models.cold_start_breakdown import ColdStartBreakdown # noqa: PLC0415
        call_id = self.call_id

        counts = self.counts.to_dict()

        inputs = []
        for inputs_item_data in self.inputs:
            inputs_item = inputs_item_data.to_dict()
            inputs.append(inputs_item)



        inputs_shown = self.inputs_shown

        cold_start = self.cold_start.to_dict()

        logs = []
        for logs_item_data in self.logs:
            logs_item = logs_item_data.to_dict()
            logs.append(logs_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "call_id": call_id,
            "counts": counts,
            "inputs": inputs,
            "inputs_shown": inputs_shown,
            "cold_start": cold_start,
            "logs": logs,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_input_report import CallInputReport # noqa: PLC0415
        from ..models.call_log_line import CallLogLine # noqa: PLC0415
        from ..models.call_report_counts import CallReportCounts # noqa: PLC0415
        from ..models.cold_start_breakdown import ColdStartBreakdown # noqa: PLC0415
        d = dict(src_dict)
        call_id = d.pop("call_id")

        counts = CallReportCounts.from_dict(d.pop("counts"))




        inputs = []
        _inputs = d.pop("inputs")
        for inputs_item_data in (_inputs):
            inputs_item = CallInputReport.from_dict(inputs_item_data)



            inputs.append(inputs_item)


        inputs_shown = d.pop("inputs_shown")

        cold_start = ColdStartBreakdown.from_dict(d.pop("cold_start"))




        logs = []
        _logs = d.pop("logs")
        for logs_item_data in (_logs):
            logs_item = CallLogLine.from_dict(logs_item_data)



            logs.append(logs_item)


        call_report = cls(
            call_id=call_id,
            counts=counts,
            inputs=inputs,
            inputs_shown=inputs_shown,
            cold_start=cold_start,
            logs=logs,
        )


        call_report.additional_properties = d
        return call_report

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
