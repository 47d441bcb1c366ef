from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="QueuePutRequest")



@_attrs_define
class QueuePutRequest:
    """ 
        Attributes:
            values (list[str]):
            partition (None | str | Unset):
            previews (list[str] | Unset):
     """

    values: list[str]
    partition: None | str | Unset = UNSET
    previews: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        values = self.values



        partition: None | str | Unset
        if isinstance(self.partition, Unset):
            partition = UNSET
        else:
            partition = self.partition

        previews: list[str] | Unset = UNSET
        if not isinstance(self.previews, Unset):
            previews = self.previews




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "values": values,
        })
        if partition is not UNSET:
            field_dict["partition"] = partition
        if previews is not UNSET:
            field_dict["previews"] = previews

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        values = cast(list[str], d.pop("values"))


        def _parse_partition(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        partition = _parse_partition(d.pop("partition", UNSET))


        previews = cast(list[str], d.pop("previews", UNSET))


        queue_put_request = cls(
            values=values,
            partition=partition,
            previews=previews,
        )


        queue_put_request.additional_properties = d
        return queue_put_request

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
