from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.build_step_status_enum import BuildStepStatusEnum
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="BuildStep")



@_attrs_define
class BuildStep:
    """ 
        Attributes:
            index (int):
            description (str):
            hash_ (str):
            status (BuildStepStatusEnum): * `pending` - pending
                * `cached` - cached
                * `running` - running
                * `built` - built
                * `failed` - failed
            duration (float | None):
            size (int | None | Unset): Bytes the step's layer adds (null: not known)
     """

    index: int
    description: str
    hash_: str
    status: BuildStepStatusEnum
    duration: float | None
    size: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        index = self.index

        description = self.description

        hash_ = self.hash_

        status = self.status.value

        duration: float | None
        duration = self.duration

        size: int | None | Unset
        if isinstance(self.size, Unset):
            size = UNSET
        else:
            size = self.size


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "index": index,
            "description": description,
            "hash": hash_,
            "status": status,
            "duration": duration,
        })
        if size is not UNSET:
            field_dict["size"] = size

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        index = d.pop("index")

        description = d.pop("description")

        hash_ = d.pop("hash")

        status = BuildStepStatusEnum(d.pop("status"))




        def _parse_duration(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration = _parse_duration(d.pop("duration"))


        def _parse_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size = _parse_size(d.pop("size", UNSET))


        build_step = cls(
            index=index,
            description=description,
            hash_=hash_,
            status=status,
            duration=duration,
            size=size,
        )


        build_step.additional_properties = d
        return build_step

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
