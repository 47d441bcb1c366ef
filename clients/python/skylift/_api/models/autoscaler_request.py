from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="AutoscalerRequest")



@_attrs_define
class AutoscalerRequest:
    """ 
        Attributes:
            min_containers (int | None | Unset):
            max_containers (int | None | Unset):
            buffer_containers (int | None | Unset):
            scaledown_window (int | None | Unset):
     """

    min_containers: int | None | Unset = UNSET
    max_containers: int | None | Unset = UNSET
    buffer_containers: int | None | Unset = UNSET
    scaledown_window: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        min_containers: int | None | Unset
        if isinstance(self.min_containers, Unset):
            min_containers = UNSET
        else:
            min_containers = self.min_containers

        max_containers: int | None | Unset
        if isinstance(self.max_containers, Unset):
            max_containers = UNSET
        else:
            max_containers = self.max_containers

        buffer_containers: int | None | Unset
        if isinstance(self.buffer_containers, Unset):
            buffer_containers = UNSET
        else:
            buffer_containers = self.buffer_containers

        scaledown_window: int | None | Unset
        if isinstance(self.scaledown_window, Unset):
            scaledown_window = UNSET
        else:
            scaledown_window = self.scaledown_window


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if min_containers is not UNSET:
            field_dict["min_containers"] = min_containers
        if max_containers is not UNSET:
            field_dict["max_containers"] = max_containers
        if buffer_containers is not UNSET:
            field_dict["buffer_containers"] = buffer_containers
        if scaledown_window is not UNSET:
            field_dict["scaledown_window"] = scaledown_window

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_min_containers(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        min_containers = _parse_min_containers(d.pop("min_containers", UNSET))


        def _parse_max_containers(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_containers = _parse_max_containers(d.pop("max_containers", UNSET))


        def _parse_buffer_containers(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        buffer_containers = _parse_buffer_containers(d.pop("buffer_containers", UNSET))


        def _parse_scaledown_window(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        scaledown_window = _parse_scaledown_window(d.pop("scaledown_window", UNSET))


        autoscaler_request = cls(
            min_containers=min_containers,
            max_containers=max_containers,
            buffer_containers=buffer_containers,
            scaledown_window=scaledown_window,
        )


        autoscaler_request.additional_properties = d
        return autoscaler_request

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
