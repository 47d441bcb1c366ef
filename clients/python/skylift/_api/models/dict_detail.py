from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="DictDetail")



@_attrs_define
class DictDetail:
    """ 
        Attributes:
            id (str):
            name (None | str): None: ephemeral
            environment (str):
            created_at (datetime.datetime):
            created_by (None | str):
            last_used_at (datetime.datetime): Retention counts from here
            len_ (int): How many entries it has
     """

    id: str
    name: None | str
    environment: str
    created_at: datetime.datetime
    created_by: None | str
    last_used_at: datetime.datetime
    len_: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name: None | str
        name = self.name

        environment = self.environment

        created_at = self.created_at.isoformat()

        created_by: None | str
        created_by = self.created_by

        last_used_at = self.last_used_at.isoformat()

        len_ = self.len_


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "name": name,
            "environment": environment,
            "created_at": created_at,
            "created_by": created_by,
            "last_used_at": last_used_at,
            "len": len_,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))


        environment = d.pop("environment")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))


        last_used_at = datetime.datetime.fromisoformat(d.pop("last_used_at"))




        len_ = d.pop("len")

        dict_detail = cls(
            id=id,
            name=name,
            environment=environment,
            created_at=created_at,
            created_by=created_by,
            last_used_at=last_used_at,
            len_=len_,
        )


        dict_detail.additional_properties = d
        return dict_detail

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
