from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.file_change import FileChange
  from ..models.function_change import FunctionChange
  from ..models.standing_cost import StandingCost
  from ..models.version_ref import VersionRef





T = TypeVar("T", bound="RollbackPreview")



@_attrs_define
class RollbackPreview:
    """ 
        Attributes:
            app_id (str):
            app (str):
            live (VersionRef):
            target (VersionRef):
            new_number (int): The number of the version the rollback would make
            identical (bool): The target runs exactly what the live version runs
            added (list[str]): Functions the rollback brings back
            removed (list[str]): Functions the rollback stops
            changed (list[FunctionChange]):
            files (list[FileChange]):
            restores (list[str]):
            does_not_restore (list[str]):
            standing_cost (StandingCost): What an app costs while idle (docs/billing.md#standing-cost).
     """

    app_id: str
    app: str
    live: VersionRef
    target: VersionRef
    new_number: int
    identical: bool
    added: list[str]
    removed: list[str]
    changed: list[FunctionChange]
    files: list[FileChange]
    restores: list[str]
    does_not_restore: list[str]
    standing_cost: StandingCost
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.file_change import FileChange # noqa: PLC0415
        from ..models.function_change import FunctionChange # noqa: PLC0415
        from ..models.standing_cost import StandingCost # noqa: PLC0415
        from ..models.version_ref import VersionRef # noqa: PLC0415
        app_id = self.app_id

        app = self.app

        live = self.live.to_dict()

        target = self.target.to_dict()

        new_number = self.new_number

        identical = self.identical

        added = self.added



        removed = self.removed



        changed = []
        for changed_item_data in self.changed:
            changed_item = changed_item_data.to_dict()
            changed.append(changed_item)



        files = []
        for files_item_data in self.files:
            files_item = files_item_data.to_dict()
            files.append(files_item)



        restores = self.restores



        does_not_restore = self.does_not_restore



        standing_cost = self.standing_cost.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "app_id": app_id,
            "app": app,
            "live": live,
            "target": target,
            "new_number": new_number,
            "identical": identical,
            "added": added,
            "removed": removed,
            "changed": changed,
            "files": files,
            "restores": restores,
            "does_not_restore": does_not_restore,
            "standing_cost": standing_cost,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_change import FileChange # noqa: PLC0415
        from ..models.function_change import FunctionChange # noqa: PLC0415
        from ..models.standing_cost import StandingCost # noqa: PLC0415
        from ..models.version_ref import VersionRef # noqa: PLC0415
        d = dict(src_dict)
        app_id = d.pop("app_id")

        app = d.pop("app")

        live = VersionRef.from_dict(d.pop("live"))




        target = VersionRef.from_dict(d.pop("target"))




        new_number = d.pop("new_number")

        identical = d.pop("identical")

        added = cast(list[str], d.pop("added"))


        removed = cast(list[str], d.pop("removed"))


        changed = []
        _changed = d.pop("changed")
        for changed_item_data in (_changed):
            changed_item = FunctionChange.from_dict(changed_item_data)



            changed.append(changed_item)


        files = []
        _files = d.pop("files")
        for files_item_data in (_files):
            files_item = FileChange.from_dict(files_item_data)



            files.append(files_item)


        restores = cast(list[str], d.pop("restores"))


        does_not_restore = cast(list[str], d.pop("does_not_restore"))


        standing_cost = StandingCost.from_dict(d.pop("standing_cost"))




        rollback_preview = cls(
            app_id=app_id,
            app=app,
            live=live,
            target=target,
            new_number=new_number,
            identical=identical,
            added=added,
            removed=removed,
            changed=changed,
            files=files,
            restores=restores,
            does_not_restore=does_not_restore,
            standing_cost=standing_cost,
        )


        rollback_preview.additional_properties = d
        return rollback_preview

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
