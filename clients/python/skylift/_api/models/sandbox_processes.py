from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="SandboxProcesses")



@_attrs_define
class SandboxProcesses:
    """ 
        Attributes:
            titles (list[str]):
            processes (list[list[str]]):
     """

    titles: list[str]
    processes: list[list[str]]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        titles = self.titles



        processes = []
        for processes_item_data in self.processes:
            processes_item = processes_item_data


            processes.append(processes_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "titles": titles,
            "processes": processes,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        titles = cast(list[str], d.pop("titles"))


        processes = []
        _processes = d.pop("processes")
        for processes_item_data in (_processes):
            processes_item = cast(list[str], processes_item_data)

            processes.append(processes_item)


        sandbox_processes = cls(
            titles=titles,
            processes=processes,
        )


        sandbox_processes.additional_properties = d
        return sandbox_processes

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
