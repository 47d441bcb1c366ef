from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.field_change import FieldChange





T = TypeVar("T", bound="FunctionChange")



@_attrs_define
class FunctionChange:
    """ 
        Attributes:
            name (str):
            changes (list[FieldChange]):
            diff (str): The changes as a unified diff of the function's definition
     """

    name: str
    changes: list[FieldChange]
    diff: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.field_change import FieldChange # noqa: PLC0415
        name = self.name

        changes = []
        for changes_item_data in self.changes:
            changes_item = changes_item_data.to_dict()
            changes.append(changes_item)



        diff = self.diff


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "changes": changes,
            "diff": diff,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_change import FieldChange # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        changes = []
        _changes = d.pop("changes")
        for changes_item_data in (_changes):
            changes_item = FieldChange.from_dict(changes_item_data)



            changes.append(changes_item)


        diff = d.pop("diff")

        function_change = cls(
            name=name,
            changes=changes,
            diff=diff,
        )


        function_change.additional_properties = d
        return function_change

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
