from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.json_call_request_kwargs import JsonCallRequestKwargs
  from ..models.json_call_request_params import JsonCallRequestParams





T = TypeVar("T", bound="JsonCallRequest")



@_attrs_define
class JsonCallRequest:
    """ A call from any language: JSON arguments (functions.json_calls).

        Attributes:
            args (list[Any] | Unset):
            kwargs (JsonCallRequestKwargs | Unset):
            params (JsonCallRequestParams | Unset): A class's parameters (for Class.method)
            environment (str | Unset): The environment (default: main) Default: ''.
            wait (float | Unset): Seconds to wait for the result (call only) before answering 202 with the call's id
                Default: 50.0.
     """

    args: list[Any] | Unset = UNSET
    kwargs: JsonCallRequestKwargs | Unset = UNSET
    params: JsonCallRequestParams | Unset = UNSET
    environment: str | Unset = ''
    wait: float | Unset = 50.0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.json_call_request_kwargs import JsonCallRequestKwargs # noqa: PLC0415
        from ..models.json_call_request_params import JsonCallRequestParams # noqa: PLC0415
        args: list[Any] | Unset = UNSET
        if not isinstance(self.args, Unset):
            args = self.args



        kwargs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.kwargs, Unset):
            kwargs = self.kwargs.to_dict()

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        environment = self.environment

        wait = self.wait


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if args is not UNSET:
            field_dict["args"] = args
        if kwargs is not UNSET:
            field_dict["kwargs"] = kwargs
        if params is not UNSET:
            field_dict["params"] = params
        if environment is not UNSET:
            field_dict["environment"] = environment
        if wait is not UNSET:
            field_dict["wait"] = wait

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.json_call_request_kwargs import JsonCallRequestKwargs # noqa: PLC0415
        from ..models.json_call_request_params import JsonCallRequestParams # noqa: PLC0415
        d = dict(src_dict)
        args = cast(list[Any], d.pop("args", UNSET))


        _kwargs = d.pop("kwargs", UNSET)
        kwargs: JsonCallRequestKwargs | Unset
        if isinstance(_kwargs,  Unset):
            kwargs = UNSET
        else:
            kwargs = JsonCallRequestKwargs.from_dict(_kwargs)




        _params = d.pop("params", UNSET)
        params: JsonCallRequestParams | Unset
        if isinstance(_params,  Unset):
            params = UNSET
        else:
            params = JsonCallRequestParams.from_dict(_params)




        environment = d.pop("environment", UNSET)

        wait = d.pop("wait", UNSET)

        json_call_request = cls(
            args=args,
            kwargs=kwargs,
            params=params,
            environment=environment,
            wait=wait,
        )


        json_call_request.additional_properties = d
        return json_call_request

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
