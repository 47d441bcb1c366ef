from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.statement_line import StatementLine





T = TypeVar("T", bound="Statement")



@_attrs_define
class Statement:
    """ A workspace's monthly statement: each app's cost in the month (docs/billing.md#statements).

        Attributes:
            workspace_id (str):
            workspace (str):
            month (str): YYYY-MM, UTC
            start (datetime.datetime):
            end (datetime.datetime):
            complete (bool): False while the month runs: the month to date
            total_cost (float): US dollars
            results (list[StatementLine]): One line per app, costliest first
     """

    workspace_id: str
    workspace: str
    month: str
    start: datetime.datetime
    end: datetime.datetime
    complete: bool
    total_cost: float
    results: list[StatementLine]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.statement_line import StatementLine # noqa: PLC0415
        workspace_id = self.workspace_id

        workspace = self.workspace

        month = self.month

        start = self.start.isoformat()

        end = self.end.isoformat()

        complete = self.complete

        total_cost = self.total_cost

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "workspace_id": workspace_id,
            "workspace": workspace,
            "month": month,
            "start": start,
            "end": end,
            "complete": complete,
            "total_cost": total_cost,
            "results": results,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.statement_line import StatementLine # noqa: PLC0415
        d = dict(src_dict)
        workspace_id = d.pop("workspace_id")

        workspace = d.pop("workspace")

        month = d.pop("month")

        start = datetime.datetime.fromisoformat(d.pop("start"))




        end = datetime.datetime.fromisoformat(d.pop("end"))




        complete = d.pop("complete")

        total_cost = d.pop("total_cost")

        results = []
        _results = d.pop("results")
        for results_item_data in (_results):
            results_item = StatementLine.from_dict(results_item_data)



            results.append(results_item)


        statement = cls(
            workspace_id=workspace_id,
            workspace=workspace,
            month=month,
            start=start,
            end=end,
            complete=complete,
            total_cost=total_cost,
            results=results,
        )


        statement.additional_properties = d
        return statement

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
