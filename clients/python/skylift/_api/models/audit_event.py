from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="AuditEvent")



@_attrs_define
class AuditEvent:
    """ 
        Attributes:
            id (str):
            actor (None | str):
            action (str):
            created_at (datetime.datetime | Unset):
            token_id (str | Unset):
            ip (None | str | Unset):
            target_type (str | Unset):
            target_id (str | Unset):
            target_name (str | Unset):
            data (Any | Unset):
     """

    id: str
    actor: None | str
    action: str
    created_at: datetime.datetime | Unset = UNSET
    token_id: str | Unset = UNSET
    ip: None | str | Unset = UNSET
    target_type: str | Unset = UNSET
    target_id: str | Unset = UNSET
    target_name: str | Unset = UNSET
    data: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        actor: None | str
        actor = self.actor

        action = self.action

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        token_id = self.token_id

        ip: None | str | Unset
        if isinstance(self.ip, Unset):
            ip = UNSET
        else:
            ip = self.ip

        target_type = self.target_type

        target_id = self.target_id

        target_name = self.target_name

        data = self.data


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "actor": actor,
            "action": action,
        })
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if token_id is not UNSET:
            field_dict["token_id"] = token_id
        if ip is not UNSET:
            field_dict["ip"] = ip
        if target_type is not UNSET:
            field_dict["target_type"] = target_type
        if target_id is not UNSET:
            field_dict["target_id"] = target_id
        if target_name is not UNSET:
            field_dict["target_name"] = target_name
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        def _parse_actor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor = _parse_actor(d.pop("actor"))


        action = d.pop("action")

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at,  Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)




        token_id = d.pop("token_id", UNSET)

        def _parse_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip = _parse_ip(d.pop("ip", UNSET))


        target_type = d.pop("target_type", UNSET)

        target_id = d.pop("target_id", UNSET)

        target_name = d.pop("target_name", UNSET)

        data = d.pop("data", UNSET)

        audit_event = cls(
            id=id,
            actor=actor,
            action=action,
            created_at=created_at,
            token_id=token_id,
            ip=ip,
            target_type=target_type,
            target_id=target_id,
            target_name=target_name,
            data=data,
        )


        audit_event.additional_properties = d
        return audit_event

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
