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
            inputs (list[str]): cloudpickled (args, kwargs) per input, base64
            function_id (str | Unset): The function to call; or name it by app_name and function_name
            app_name (str | Unset): A deployed app's name (with function_name, instead of function_id)
            function_name (str | Unset): The function's name in that app's live version
            environment (str | Unset): The app's environment (default: main)
            kind (KindEnum | Unset): * `remote` - remote
                * `map` - map
                * `spawn` - spawn Default: KindEnum.REMOTE.
            method (str | Unset): Method of a class to call Default: ''.
            wait (float | Unset): Seconds to wait for outputs before answering Default: 0.0.
            idempotency_key (None | str | Unset): A retried request with the same key returns the first one's call
            closed (bool | Unset): False to add more inputs later with POST /calls/{id}/inputs/ Default: True.
     """

    inputs: list[str]
    function_id: str | Unset = UNSET
    app_name: str | Unset = UNSET
    function_name: str | Unset = UNSET
    environment: str | Unset = UNSET
    kind: KindEnum | Unset = KindEnum.REMOTE
    method: str | Unset = ''
    wait: float | Unset = 0.0
    idempotency_key: None | str | Unset = UNSET
    closed: bool | Unset = True
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        inputs = self.inputs



        function_id = self.function_id

        app_name = self.app_name

        function_name = self.function_name

        environment = self.environment

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
            "inputs": inputs,
        })
        if function_id is not UNSET:
            field_dict["function_id"] = function_id
        if app_name is not UNSET:
            field_dict["app_name"] = app_name
        if function_name is not UNSET:
            field_dict["function_name"] = function_name
        if environment is not UNSET:
            field_dict["environment"] = environment
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
        inputs = cast(list[str], d.pop("inputs"))


        function_id = d.pop("function_id", UNSET)

        app_name = d.pop("app_name", UNSET)

        function_name = d.pop("function_name", UNSET)

        environment = d.pop("environment", UNSET)

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
            inputs=inputs,
            function_id=function_id,
            app_name=app_name,
            function_name=function_name,
            environment=environment,
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
