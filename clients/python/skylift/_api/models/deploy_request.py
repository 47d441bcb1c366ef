from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.deployed_function_request import DeployedFunctionRequest





T = TypeVar("T", bound="DeployRequest")



@_attrs_define
class DeployRequest:
    """ 
        Attributes:
            name (str):
            functions (list[DeployedFunctionRequest]):
            environment (str | Unset):  Default: ''.
            tag (str | Unset):  Default: ''.
            client_version (str | Unset):  Default: ''.
            git_commit (str | Unset):
            git_dirty (bool | None | Unset):
            ephemeral (bool | Unset): Deploy into a new ephemeral app (skylift serve): stopped when its client goes quiet
                Default: False.
            app_id (str | Unset): Redeploy this running app (a served app) instead of the deployed app of that name Default:
                ''.
            force (bool | Unset): Deploy even if the app's idle cost alone exceeds a cap (docs/billing.md#standing-cost); a
                served app's too (docs/billing.md#ephemeral-apps) Default: False.
     """

    name: str
    functions: list[DeployedFunctionRequest]
    environment: str | Unset = ''
    tag: str | Unset = ''
    client_version: str | Unset = ''
    git_commit: str | Unset = UNSET
    git_dirty: bool | None | Unset = UNSET
    ephemeral: bool | Unset = False
    app_id: str | Unset = ''
    force: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.deployed_function_request import DeployedFunctionRequest # noqa: PLC0415
        name = self.name

        functions = []
        for functions_item_data in self.functions:
            functions_item = functions_item_data.to_dict()
            functions.append(functions_item)



        environment = self.environment

        tag = self.tag

        client_version = self.client_version

        git_commit: str | Unset
        if isinstance(self.git_commit, Unset):
            git_commit = UNSET
        else:
            git_commit = self.git_commit

        git_dirty: bool | None | Unset
        if isinstance(self.git_dirty, Unset):
            git_dirty = UNSET
        else:
            git_dirty = self.git_dirty

        ephemeral = self.ephemeral

        app_id = self.app_id

        force = self.force


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "functions": functions,
        })
        if environment is not UNSET:
            field_dict["environment"] = environment
        if tag is not UNSET:
            field_dict["tag"] = tag
        if client_version is not UNSET:
            field_dict["client_version"] = client_version
        if git_commit is not UNSET:
            field_dict["git_commit"] = git_commit
        if git_dirty is not UNSET:
            field_dict["git_dirty"] = git_dirty
        if ephemeral is not UNSET:
            field_dict["ephemeral"] = ephemeral
        if app_id is not UNSET:
            field_dict["app_id"] = app_id
        if force is not UNSET:
            field_dict["force"] = force

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deployed_function_request import DeployedFunctionRequest # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        functions = []
        _functions = d.pop("functions")
        for functions_item_data in (_functions):
            functions_item = DeployedFunctionRequest.from_dict(functions_item_data)



            functions.append(functions_item)


        environment = d.pop("environment", UNSET)

        tag = d.pop("tag", UNSET)

        client_version = d.pop("client_version", UNSET)

        def _parse_git_commit(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        git_commit = _parse_git_commit(d.pop("git_commit", UNSET))


        def _parse_git_dirty(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        git_dirty = _parse_git_dirty(d.pop("git_dirty", UNSET))


        ephemeral = d.pop("ephemeral", UNSET)

        app_id = d.pop("app_id", UNSET)

        force = d.pop("force", UNSET)

        deploy_request = cls(
            name=name,
            functions=functions,
            environment=environment,
            tag=tag,
            client_version=client_version,
            git_commit=git_commit,
            git_dirty=git_dirty,
            ephemeral=ephemeral,
            app_id=app_id,
            force=force,
        )


        deploy_request.additional_properties = d
        return deploy_request

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
