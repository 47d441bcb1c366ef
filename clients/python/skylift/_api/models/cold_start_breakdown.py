from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.cold_start_stage import ColdStartStage





T = TypeVar("T", bound="ColdStartBreakdown")



@_attrs_define
class ColdStartBreakdown:
    """ 
        Attributes:
            cold (bool): The first input waited for its container to start
            stages (list[ColdStartStage]):
     """

    cold: bool
    stages: list[ColdStartStage]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.cold_start_stage import ColdStartStage # noqa: PLC0415
        cold = self.cold

        stages = []
        for stages_item_data in self.stages:
            stages_item = stages_item_data.to_dict()
            stages.append(stages_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "cold": cold,
            "stages": stages,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cold_start_stage import ColdStartStage # noqa: PLC0415
        d = dict(src_dict)
        cold = d.pop("cold")

        stages = []
        _stages = d.pop("stages")
        for stages_item_data in (_stages):
            stages_item = ColdStartStage.from_dict(stages_item_data)



            stages.append(stages_item)


        cold_start_breakdown = cls(
            cold=cold,
            stages=stages,
        )


        cold_start_breakdown.additional_properties = d
        return cold_start_breakdown

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
