from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.log_line import LogLine





T = TypeVar("T", bound="LogLinePage")



@_attrs_define
class LogLinePage:
    """ 
        Attributes:
            results (list[LogLine]):
            cursor (str): Read on with ?after=cursor; the next page may repeat lines younger than a second (drop ids already
                shown)
            next_before (None | str): Older lines exist: ask ?before=next_before for them
     """

    results: list[LogLine]
    cursor: str
    next_before: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.log_line import LogLine # noqa: PLC0415
        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)



        cursor = self.cursor

        next_before: None | str
        next_before = self.next_before


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "results": results,
            "cursor": cursor,
            "next_before": next_before,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.log_line import LogLine # noqa: PLC0415
        d = dict(src_dict)
        results = []
        _results = d.pop("results")
        for results_item_data in (_results):
            results_item = LogLine.from_dict(results_item_data)



            results.append(results_item)


        cursor = d.pop("cursor")

        def _parse_next_before(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_before = _parse_next_before(d.pop("next_before"))


        log_line_page = cls(
            results=results,
            cursor=cursor,
            next_before=next_before,
        )


        log_line_page.additional_properties = d
        return log_line_page

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
