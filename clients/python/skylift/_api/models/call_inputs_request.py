from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="CallInputsRequest")



@_attrs_define
class CallInputsRequest:
    """ 
        Attributes:
            start_idx (int): Index of the first input of this batch
            inputs (list[str]):
            method (str | Unset):  Default: ''.
            close (bool | Unset): True on the last batch Default: False.
     """

    start_idx: int
    inputs: list[str]
    method: str | Unset = ''
    close: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        start_idx = self.start_idx

        inputs = self.inputs



        method = self.method

        close = self.close


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "start_idx": start_idx,
            "inputs": inputs,
        })
        if method is not UNSET:
            field_dict["method"] = method
        if close is not UNSET:
            field_dict["close"] = close

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        start_idx = d.pop("start_idx")

        inputs = cast(list[str], d.pop("inputs"))


        method = d.pop("method", UNSET)

        close = d.pop("close", UNSET)

        call_inputs_request = cls(
            start_idx=start_idx,
            inputs=inputs,
            method=method,
            close=close,
        )


        call_inputs_request.additional_properties = d
        return call_inputs_request

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
