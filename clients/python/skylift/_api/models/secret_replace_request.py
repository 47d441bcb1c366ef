from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.secret_replace_request_values import SecretReplaceRequestValues





T = TypeVar("T", bound="SecretReplaceRequest")



@_attrs_define
class SecretReplaceRequest:
    """ 
        Attributes:
            values (SecretReplaceRequestValues): Environment variable names to values. Values are write-only: no answer ever
                carries one.
     """

    values: SecretReplaceRequestValues
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.secret_replace_request_values import SecretReplaceRequestValues # noqa: PLC0415
        values = self.values.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "values": values,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.secret_replace_request_values import SecretReplaceRequestValues # noqa: PLC0415
        d = dict(src_dict)
        values = SecretReplaceRequestValues.from_dict(d.pop("values"))




        secret_replace_request = cls(
            values=values,
        )


        secret_replace_request.additional_properties = d
        return secret_replace_request

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
