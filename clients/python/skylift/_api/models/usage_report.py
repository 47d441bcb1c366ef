from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.usage_row import UsageRow





T = TypeVar("T", bound="UsageReport")



@_attrs_define
class UsageReport:
    """ 
        Attributes:
            start (datetime.datetime):
            end (datetime.datetime):
            by (str):
            granularity (str):
            total_cost (float):
            results (list[UsageRow]):
     """

    start: datetime.datetime
    end: datetime.datetime
    by: str
    granularity: str
    total_cost: float
    results: list[UsageRow]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.usage_row import UsageRow # noqa: PLC0415
        start = self.start.isoformat()

        end = self.end.isoformat()

        by = self.by

        granularity = self.granularity

        total_cost = self.total_cost

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "start": start,
            "end": end,
            "by": by,
            "granularity": granularity,
            "total_cost": total_cost,
            "results": results,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_row import UsageRow # noqa: PLC0415
        d = dict(src_dict)
        start = datetime.datetime.fromisoformat(d.pop("start"))




        end = datetime.datetime.fromisoformat(d.pop("end"))




        by = d.pop("by")

        granularity = d.pop("granularity")

        total_cost = d.pop("total_cost")

        results = []
        _results = d.pop("results")
        for results_item_data in (_results):
            results_item = UsageRow.from_dict(results_item_data)



            results.append(results_item)


        usage_report = cls(
            start=start,
            end=end,
            by=by,
            granularity=granularity,
            total_cost=total_cost,
            results=results,
        )


        usage_report.additional_properties = d
        return usage_report

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
