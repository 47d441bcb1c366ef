from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.role_enum import RoleEnum
from typing import cast
import datetime






T = TypeVar("T", bound="InvitationPreview")



@_attrs_define
class InvitationPreview:
    """ 
        Attributes:
            workspace (str):
            role (RoleEnum): * `owner` - Owner
                * `admin` - Admin
                * `member` - Member
            invited_by (None | str):
            expires_at (datetime.datetime):
     """

    workspace: str
    role: RoleEnum
    invited_by: None | str
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        workspace = self.workspace

        role = self.role.value

        invited_by: None | str
        invited_by = self.invited_by

        expires_at = self.expires_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "workspace": workspace,
            "role": role,
            "invited_by": invited_by,
            "expires_at": expires_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        workspace = d.pop("workspace")

        role = RoleEnum(d.pop("role"))




        def _parse_invited_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        invited_by = _parse_invited_by(d.pop("invited_by"))


        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))




        invitation_preview = cls(
            workspace=workspace,
            role=role,
            invited_by=invited_by,
            expires_at=expires_at,
        )


        invitation_preview.additional_properties = d
        return invitation_preview

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
