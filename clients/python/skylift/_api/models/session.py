from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.session_workspace import SessionWorkspace
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
            workspaces (list[SessionWorkspace]): Every workspace the user belongs to, with his role there (the switcher's
                list).
     """

    user: User
    workspace: Workspace
    role: str
    workspaces: list[SessionWorkspace]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.session_workspace import SessionWorkspace # noqa: PLC0415
        from ..models.user import User # noqa: PLC0415
        from ..models.workspace import Workspace # noqa: PLC0415
        user = self.user.to_dict()

        workspace = self.workspace.to_dict()

        role = self.role

        workspaces = []
        for workspaces_item_data in self.workspaces:
            workspaces_item = workspaces_item_data.to_dict()
            workspaces.append(workspaces_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "user": user,
            "workspace": workspace,
            "role": role,
            "workspaces": workspaces,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.session_workspace import SessionWorkspace # noqa: PLC0415
        from ..models.user import User # noqa: PLC0415
        from ..models.workspace import Workspace # noqa: PLC0415
        d = dict(src_dict)
        user = User.from_dict(d.pop("user"))




        workspace = Workspace.from_dict(d.pop("workspace"))




        role = d.pop("role")

        workspaces = []
        _workspaces = d.pop("workspaces")
        for workspaces_item_data in (_workspaces):
            workspaces_item = SessionWorkspace.from_dict(workspaces_item_data)



            workspaces.append(workspaces_item)


        session = cls(
            user=user,
            workspace=workspace,
            role=role,
            workspaces=workspaces,
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
