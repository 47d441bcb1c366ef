from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.function_variant_request_options import FunctionVariantRequestOptions





T = TypeVar("T", bound="FunctionVariantRequest")



@_attrs_define
class FunctionVariantRequest:
    """ 
        Attributes:
            params (None | str | Unset): cloudpickled class parameters (opaque)
            options (FunctionVariantRequestOptions | Unset): Option overrides (with_options)
     """

    params: None | str | Unset = UNSET
    options: FunctionVariantRequestOptions | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.function_variant_request_options import FunctionVariantRequestOptions # noqa: PLC0415
        params: None | str | Unset
        if isinstance(self.params, Unset):
            params = UNSET
        else:
            params = self.params

        options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.options, Unset):
            options = self.options.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if params is not UNSET:
            field_dict["params"] = params
        if options is not UNSET:
            field_dict["options"] = options

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.function_variant_request_options import FunctionVariantRequestOptions # noqa: PLC0415
        d = dict(src_dict)
        def _parse_params(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        params = _parse_params(d.pop("params", UNSET))


        _options = d.pop("options", UNSET)
        options: FunctionVariantRequestOptions | Unset
        if isinstance(_options,  Unset):
            options = UNSET
        else:
            options = FunctionVariantRequestOptions.from_dict(_options)




        function_variant_request = cls(
            params=params,
            options=options,
        )


        function_variant_request.additional_properties = d
        return function_variant_request

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
