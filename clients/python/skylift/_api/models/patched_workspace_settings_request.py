from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="PatchedWorkspaceSettingsRequest")



@_attrs_define
class PatchedWorkspaceSettingsRequest:
    """ 
        Attributes:
            name (str | Unset):
            log_retention_days (int | None | Unset): Days logs are kept (empty: the platform's default).
            gpu_limit (int | None | Unset): GPUs its containers may hold at once (empty: no limit).
            input_rate (int | None | Unset): Inputs accepted per second (empty: the platform's).
            input_burst (int | None | Unset): Inputs accepted at once above the rate (empty: the platform's).
     """

    name: str | Unset = UNSET
    log_retention_days: int | None | Unset = UNSET
    gpu_limit: int | None | Unset = UNSET
    input_rate: int | None | Unset = UNSET
    input_burst: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        name = self.name

        log_retention_days: int | None | Unset
        if isinstance(self.log_retention_days, Unset):
            log_retention_days = UNSET
        else:
            log_retention_days = self.log_retention_days

        gpu_limit: int | None | Unset
        if isinstance(self.gpu_limit, Unset):
            gpu_limit = UNSET
        else:
            gpu_limit = self.gpu_limit

        input_rate: int | None | Unset
        if isinstance(self.input_rate, Unset):
            input_rate = UNSET
        else:
            input_rate = self.input_rate

        input_burst: int | None | Unset
        if isinstance(self.input_burst, Unset):
            input_burst = UNSET
        else:
            input_burst = self.input_burst


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if name is not UNSET:
            field_dict["name"] = name
        if log_retention_days is not UNSET:
            field_dict["log_retention_days"] = log_retention_days
        if gpu_limit is not UNSET:
            field_dict["gpu_limit"] = gpu_limit
        if input_rate is not UNSET:
            field_dict["input_rate"] = input_rate
        if input_burst is not UNSET:
            field_dict["input_burst"] = input_burst

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        def _parse_log_retention_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        log_retention_days = _parse_log_retention_days(d.pop("log_retention_days", UNSET))


        def _parse_gpu_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        gpu_limit = _parse_gpu_limit(d.pop("gpu_limit", UNSET))


        def _parse_input_rate(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        input_rate = _parse_input_rate(d.pop("input_rate", UNSET))


        def _parse_input_burst(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        input_burst = _parse_input_burst(d.pop("input_burst", UNSET))


        patched_workspace_settings_request = cls(
            name=name,
            log_retention_days=log_retention_days,
            gpu_limit=gpu_limit,
            input_rate=input_rate,
            input_burst=input_burst,
        )


        patched_workspace_settings_request.additional_properties = d
        return patched_workspace_settings_request

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
