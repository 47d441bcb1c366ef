from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.cap_check import CapCheck
  from ..models.function_idle import FunctionIdle





T = TypeVar("T", bound="StandingCost")



@_attrs_define
class StandingCost:
    """ What an app costs while idle (docs/billing.md#standing-cost).

        Attributes:
            per_hour (float): US dollars per hour with no input
            per_month (float): US dollars per month (730 h) with no input
            buffer_per_hour (float): US dollars per hour more while it serves
            functions (list[FunctionIdle]):
            caps (list[CapCheck]): The app's cap and the workspace's, checked
            price_version (int): The price table version it is priced at
     """

    per_hour: float
    per_month: float
    buffer_per_hour: float
    functions: list[FunctionIdle]
    caps: list[CapCheck]
    price_version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.cap_check import CapCheck # noqa: PLC0415
        from ..models.function_idle import FunctionIdle # noqa: PLC0415
        per_hour = self.per_hour

        per_month = self.per_month

        buffer_per_hour = self.buffer_per_hour

        functions = []
        for functions_item_data in self.functions:
            functions_item = functions_item_data.to_dict()
            functions.append(functions_item)



        caps = []
        for caps_item_data in self.caps:
            caps_item = caps_item_data.to_dict()
            caps.append(caps_item)



        price_version = self.price_version


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "per_hour": per_hour,
            "per_month": per_month,
            "buffer_per_hour": buffer_per_hour,
            "functions": functions,
            "caps": caps,
            "price_version": price_version,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cap_check import CapCheck # noqa: PLC0415
        from ..models.function_idle import FunctionIdle # noqa: PLC0415
        d = dict(src_dict)
        per_hour = d.pop("per_hour")

        per_month = d.pop("per_month")

        buffer_per_hour = d.pop("buffer_per_hour")

        functions = []
        _functions = d.pop("functions")
        for functions_item_data in (_functions):
            functions_item = FunctionIdle.from_dict(functions_item_data)



            functions.append(functions_item)


        caps = []
        _caps = d.pop("caps")
        for caps_item_data in (_caps):
            caps_item = CapCheck.from_dict(caps_item_data)



            caps.append(caps_item)


        price_version = d.pop("price_version")

        standing_cost = cls(
            per_hour=per_hour,
            per_month=per_month,
            buffer_per_hour=buffer_per_hour,
            functions=functions,
            caps=caps,
            price_version=price_version,
        )


        standing_cost.additional_properties = d
        return standing_cost

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
