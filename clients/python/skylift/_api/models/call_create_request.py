from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.kind_enum import KindEnum
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="CallCreateRequest")



@_attrs_define
class CallCreateRequest:
    """ 
        Attributes:
            function_id (str):
            inputs (list[str]): cloudpickled (args, kwargs) per input, base64
            kind (KindEnum | Unset): * `remote` - remote
                * `map` - map
                * `spawn` - spawn Default: KindEnum.REMOTE.
            wait (float | Unset): Seconds to wait for outputs before answering Default: 0.0.
     """

    function_id: str
    inputs: list[str]
    kind: KindEnum | Unset = KindEnum.REMOTE
    wait: float | Unset = 0.0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        function_id = self.function_id

        inputs = self.inputs



        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value


        wait = self.wait


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "function_id": function_id,
            "inputs": inputs,
        })
        if kind is not UNSET:
            field_dict["kind"] = kind
        if wait is not UNSET:
            field_dict["wait"] = wait

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        function_id = d.pop("function_id")

        inputs = cast(list[str], d.pop("inputs"))


        _kind = d.pop("kind", UNSET)
        kind: KindEnum | Unset
        if isinstance(_kind,  Unset):
            kind = UNSET
        else:
            kind = KindEnum(_kind)




        wait = d.pop("wait", UNSET)

        call_create_request = cls(
            function_id=function_id,
            inputs=inputs,
            kind=kind,
            wait=wait,
        )


        call_create_request.additional_properties = d
        return call_create_request

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
