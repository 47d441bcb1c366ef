from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="Output")



@_attrs_define
class Output:
    """ 
        Attributes:
            input_id (str):
            idx (int):
            status (str):
            result_kind (str):
            result (None | str):
            cause (str):
            message (str):
            seq (int | None):
            codec (str | Unset): "json" for a JSON call's output (its result is JSON), else "" Default: ''.
     """

    input_id: str
    idx: int
    status: str
    result_kind: str
    result: None | str
    cause: str
    message: str
    seq: int | None
    codec: str | Unset = ''
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        input_id = self.input_id

        idx = self.idx

        status = self.status

        result_kind = self.result_kind

        result: None | str
        result = self.result

        cause = self.cause

        message = self.message

        seq: int | None
        seq = self.seq

        codec = self.codec


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "input_id": input_id,
            "idx": idx,
            "status": status,
            "result_kind": result_kind,
            "result": result,
            "cause": cause,
            "message": message,
            "seq": seq,
        })
        if codec is not UNSET:
            field_dict["codec"] = codec

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        input_id = d.pop("input_id")

        idx = d.pop("idx")

        status = d.pop("status")

        result_kind = d.pop("result_kind")

        def _parse_result(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        result = _parse_result(d.pop("result"))


        cause = d.pop("cause")

        message = d.pop("message")

        def _parse_seq(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        seq = _parse_seq(d.pop("seq"))


        codec = d.pop("codec", UNSET)

        output = cls(
            input_id=input_id,
            idx=idx,
            status=status,
            result_kind=result_kind,
            result=result,
            cause=cause,
            message=message,
            seq=seq,
            codec=codec,
        )


        output.additional_properties = d
        return output

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
