from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="JsonResult")



@_attrs_define
class JsonResult:
    """ 
        Attributes:
            call_id (str):
            status (str): pending, running, succeeded, failed, ...
            result (Any | Unset): The function's result, when it succeeded
            result_url (str | Unset): Where to read the result later
     """

    call_id: str
    status: str
    result: Any | Unset = UNSET
    result_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        call_id = self.call_id

        status = self.status

        result = self.result

        result_url = self.result_url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "call_id": call_id,
            "status": status,
        })
        if result is not UNSET:
            field_dict["result"] = result
        if result_url is not UNSET:
            field_dict["result_url"] = result_url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        call_id = d.pop("call_id")

        status = d.pop("status")

        result = d.pop("result", UNSET)

        result_url = d.pop("result_url", UNSET)

        json_result = cls(
            call_id=call_id,
            status=status,
            result=result,
            result_url=result_url,
        )


        json_result.additional_properties = d
        return json_result

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
