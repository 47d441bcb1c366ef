from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.change_enum import ChangeEnum






T = TypeVar("T", bound="FileChange")



@_attrs_define
class FileChange:
    """ 
        Attributes:
            path (str):
            change (ChangeEnum): * `added` - added
                * `removed` - removed
                * `modified` - modified
            binary (bool): Not shown as text (binary, or too large)
            diff (str): Unified diff from the live version to the target
            note (str):
     """

    path: str
    change: ChangeEnum
    binary: bool
    diff: str
    note: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        path = self.path

        change = self.change.value

        binary = self.binary

        diff = self.diff

        note = self.note


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "path": path,
            "change": change,
            "binary": binary,
            "diff": diff,
            "note": note,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        change = ChangeEnum(d.pop("change"))




        binary = d.pop("binary")

        diff = d.pop("diff")

        note = d.pop("note")

        file_change = cls(
            path=path,
            change=change,
            binary=binary,
            diff=diff,
            note=note,
        )


        file_change.additional_properties = d
        return file_change

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
