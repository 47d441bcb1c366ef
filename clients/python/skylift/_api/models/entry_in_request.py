from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="EntryInRequest")



@_attrs_define
class EntryInRequest:
    """ 
        Attributes:
            key (str):
            value (str):
            key_preview (str | Unset):
            value_preview (str | Unset):
     """

    key: str
    value: str
    key_preview: str | Unset = UNSET
    value_preview: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        key = self.key

        value = self.value

        key_preview = self.key_preview

        value_preview = self.value_preview


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "key": key,
            "value": value,
        })
        if key_preview is not UNSET:
            field_dict["key_preview"] = key_preview
        if value_preview is not UNSET:
            field_dict["value_preview"] = value_preview

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        value = d.pop("value")

        key_preview = d.pop("key_preview", UNSET)

        value_preview = d.pop("value_preview", UNSET)

        entry_in_request = cls(
            key=key,
            value=value,
            key_preview=key_preview,
            value_preview=value_preview,
        )


        entry_in_request.additional_properties = d
        return entry_in_request

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
