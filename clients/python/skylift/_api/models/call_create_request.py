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
            method (str | Unset): Method of a class to call Default: ''.
            wait (float | Unset): Seconds to wait for outputs before answering Default: 0.0.
            idempotency_key (None | str | Unset): A retried request with the same key returns the first one's call
            closed (bool | Unset): False to add more inputs later with POST /calls/{id}/inputs/ Default: True.
     """

    function_id: str
    inputs: list[str]
    kind: KindEnum | Unset = KindEnum.REMOTE
    method: str | Unset = ''
    wait: float | Unset = 0.0
    idempotency_key: None | str | Unset = UNSET
    closed: bool | Unset = True
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        function_id = self.function_id

        inputs = self.inputs



        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value


        method = self.method

        wait = self.wait

        idempotency_key: None | str | Unset
        if isinstance(self.idempotency_key, Unset):
            idempotency_key = UNSET
        else:
            idempotency_key = self.idempotency_key

        closed = self.closed


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "function_id": function_id,
            "inputs": inputs,
        })
        if kind is not UNSET:
            field_dict["kind"] = kind
        if method is not UNSET:
            field_dict["method"] = method
        if wait is not UNSET:
            field_dict["wait"] = wait
        if idempotency_key is not UNSET:
            field_dict["idempotency_key"] = idempotency_key
        if closed is not UNSET:
            field_dict["closed"] = closed

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




        method = d.pop("method", UNSET)

        wait = d.pop("wait", UNSET)

        def _parse_idempotency_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotency_key = _parse_idempotency_key(d.pop("idempotency_key", UNSET))


        closed = d.pop("closed", UNSET)

        call_create_request = cls(
            function_id=function_id,
            inputs=inputs,
            kind=kind,
            method=method,
            wait=wait,
            idempotency_key=idempotency_key,
            closed=closed,
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
