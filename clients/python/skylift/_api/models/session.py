from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.user import User
  from ..models.workspace import Workspace





T = TypeVar("T", bound="Session")



@_attrs_define
class Session:
    """ 
        Attributes:
            user (User):
            workspace (Workspace):
            role (str):
     """

    user: User
    workspace: Workspace
    role: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.user import User # noqa: PLC0415
        from ..models.workspace import Workspace # noqa: PLC0415
        user = self.user.to_dict()

        workspace = self.workspace.to_dict()

        role = self.role


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "user": user,
            "workspace": workspace,
            "role": role,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user import User # noqa: PLC0415
        from ..models.workspace import Workspace # noqa: PLC0415
        d = dict(src_dict)
        user = User.from_dict(d.pop("user"))




        workspace = Workspace.from_dict(d.pop("workspace"))




        role = d.pop("role")

        session = cls(
            user=user,
            workspace=workspace,
            role=role,
        )


        session.additional_properties = d
        return session

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
