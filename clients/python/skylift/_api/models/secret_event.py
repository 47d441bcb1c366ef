from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.secret_action_enum import SecretActionEnum
from typing import cast
import datetime






T = TypeVar("T", bound="SecretEvent")



@_attrs_define
class SecretEvent:
    """ 
        Attributes:
            secret_id (str):
            name (str):
            environment (str):
            action (SecretActionEnum): * `created` - Created
                * `updated` - Updated
                * `deleted` - Deleted
            keys (list[str]): The variables changed
            actor (None | str):
            at (datetime.datetime):
     """

    secret_id: str
    name: str
    environment: str
    action: SecretActionEnum
    keys: list[str]
    actor: None | str
    at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        secret_id = self.secret_id

        name = self.name

        environment = self.environment

        action = self.action.value

        keys = self.keys



        actor: None | str
        actor = self.actor

        at = self.at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "secret_id": secret_id,
            "name": name,
            "environment": environment,
            "action": action,
            "keys": keys,
            "actor": actor,
            "at": at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        secret_id = d.pop("secret_id")

        name = d.pop("name")

        environment = d.pop("environment")

        action = SecretActionEnum(d.pop("action"))




        keys = cast(list[str], d.pop("keys"))


        def _parse_actor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor = _parse_actor(d.pop("actor"))


        at = datetime.datetime.fromisoformat(d.pop("at"))




        secret_event = cls(
            secret_id=secret_id,
            name=name,
            environment=environment,
            action=action,
            keys=keys,
            actor=actor,
            at=at,
        )


        secret_event.additional_properties = d
        return secret_event

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
