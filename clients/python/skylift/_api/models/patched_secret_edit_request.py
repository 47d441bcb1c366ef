from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.patched_secret_edit_request_set import PatchedSecretEditRequestSet





T = TypeVar("T", bound="PatchedSecretEditRequest")



@_attrs_define
class PatchedSecretEditRequest:
    """ 
        Attributes:
            set_ (PatchedSecretEditRequestSet | Unset): Variables to add or change; the others keep their values
            remove (list[str] | Unset): Variables to remove
     """

    set_: PatchedSecretEditRequestSet | Unset = UNSET
    remove: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.patched_secret_edit_request_set import PatchedSecretEditRequestSet # noqa: PLC0415
        set_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.set_, Unset):
            set_ = self.set_.to_dict()

        remove: list[str] | Unset = UNSET
        if not isinstance(self.remove, Unset):
            remove = self.remove




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if set_ is not UNSET:
            field_dict["set"] = set_
        if remove is not UNSET:
            field_dict["remove"] = remove

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patched_secret_edit_request_set import PatchedSecretEditRequestSet # noqa: PLC0415
        d = dict(src_dict)
        _set_ = d.pop("set", UNSET)
        set_: PatchedSecretEditRequestSet | Unset
        if isinstance(_set_,  Unset):
            set_ = UNSET
        else:
            set_ = PatchedSecretEditRequestSet.from_dict(_set_)




        remove = cast(list[str], d.pop("remove", UNSET))


        patched_secret_edit_request = cls(
            set_=set_,
            remove=remove,
        )


        patched_secret_edit_request.additional_properties = d
        return patched_secret_edit_request

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
