from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.secret_create_request_values import SecretCreateRequestValues





T = TypeVar("T", bound="SecretCreateRequest")



@_attrs_define
class SecretCreateRequest:
    """ 
        Attributes:
            name (str): 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit
            values (SecretCreateRequestValues): Environment variable names to values. Values are write-only: no answer ever
                carries one.
            environment (str | Unset): Default: main Default: ''.
     """

    name: str
    values: SecretCreateRequestValues
    environment: str | Unset = ''
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.secret_create_request_values import SecretCreateRequestValues # noqa: PLC0415
        name = self.name

        values = self.values.to_dict()

        environment = self.environment


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "values": values,
        })
        if environment is not UNSET:
            field_dict["environment"] = environment

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.secret_create_request_values import SecretCreateRequestValues # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        values = SecretCreateRequestValues.from_dict(d.pop("values"))




        environment = d.pop("environment", UNSET)

        secret_create_request = cls(
            name=name,
            values=values,
            environment=environment,
        )


        secret_create_request.additional_properties = d
        return secret_create_request

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
