from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.volume_entry_type_enum import VolumeEntryTypeEnum






T = TypeVar("T", bound="VolumeEntry")



@_attrs_define
class VolumeEntry:
    """ 
        Attributes:
            path (str): From the volume's root, without a leading '/'
            type_ (VolumeEntryTypeEnum): * `file` - file
                * `directory` - directory
                * `symlink` - symlink
                * `other` - other
            size (int): Bytes (files only)
            mtime (float): Seconds since the epoch
     """

    path: str
    type_: VolumeEntryTypeEnum
    size: int
    mtime: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        path = self.path

        type_ = self.type_.value

        size = self.size

        mtime = self.mtime


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "path": path,
            "type": type_,
            "size": size,
            "mtime": mtime,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        type_ = VolumeEntryTypeEnum(d.pop("type"))




        size = d.pop("size")

        mtime = d.pop("mtime")

        volume_entry = cls(
            path=path,
            type_=type_,
            size=size,
            mtime=mtime,
        )


        volume_entry.additional_properties = d
        return volume_entry

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
