from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.deploy_marker import DeployMarker
  from ..models.metric_series import MetricSeries
  from ..models.metric_totals import MetricTotals





T = TypeVar("T", bound="FunctionMetrics")



@_attrs_define
class FunctionMetrics:
    """ 
        Attributes:
            window (str):
            step_seconds (int):
            start (datetime.datetime):
            end (datetime.datetime):
            times (list[datetime.datetime]): Each bucket's start
            series (MetricSeries): One value per bucket in each list (null where there is nothing to show).
            deploys (list[DeployMarker]): The app's versions made in the window
            totals (MetricTotals):
     """

    window: str
    step_seconds: int
    start: datetime.datetime
    end: datetime.datetime
    times: list[datetime.datetime]
    series: MetricSeries
    deploys: list[DeployMarker]
    totals: MetricTotals
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.deploy_marker import DeployMarker # noqa: PLC0415
        from ..models.metric_series import MetricSeries # noqa: PLC0415
        from ..models.metric_totals import MetricTotals # noqa: PLC0415
        window = self.window

        step_seconds = self.step_seconds

        start = self.start.isoformat()

        end = self.end.isoformat()

        times = []
        for times_item_data in self.times:
            times_item = times_item_data.isoformat()
            times.append(times_item)



        series = self.series.to_dict()

        deploys = []
        for deploys_item_data in self.deploys:
            deploys_item = deploys_item_data.to_dict()
            deploys.append(deploys_item)



        totals = self.totals.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "window": window,
            "step_seconds": step_seconds,
            "start": start,
            "end": end,
            "times": times,
            "series": series,
            "deploys": deploys,
            "totals": totals,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deploy_marker import DeployMarker # noqa: PLC0415
        from ..models.metric_series import MetricSeries # noqa: PLC0415
        from ..models.metric_totals import MetricTotals # noqa: PLC0415
        d = dict(src_dict)
        window = d.pop("window")

        step_seconds = d.pop("step_seconds")

        start = datetime.datetime.fromisoformat(d.pop("start"))




        end = datetime.datetime.fromisoformat(d.pop("end"))




        times = []
        _times = d.pop("times")
        for times_item_data in (_times):
            times_item = datetime.datetime.fromisoformat(times_item_data)



            times.append(times_item)


        series = MetricSeries.from_dict(d.pop("series"))




        deploys = []
        _deploys = d.pop("deploys")
        for deploys_item_data in (_deploys):
            deploys_item = DeployMarker.from_dict(deploys_item_data)



            deploys.append(deploys_item)


        totals = MetricTotals.from_dict(d.pop("totals"))




        function_metrics = cls(
            window=window,
            step_seconds=step_seconds,
            start=start,
            end=end,
            times=times,
            series=series,
            deploys=deploys,
            totals=totals,
        )


        function_metrics.additional_properties = d
        return function_metrics

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
