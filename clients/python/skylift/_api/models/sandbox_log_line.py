from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.stream_enum import StreamEnum






T = TypeVar("T", bound="SandboxLogLine")



@_attrs_define
class SandboxLogLine:
    """ 
        Attributes:
            at (str): When it was printed (RFC 3339, UTC)
            stream (StreamEnum): * `stdout` - stdout
                * `stderr` - stderr
            text (str):
     """

    at: str
    stream: StreamEnum
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        at = self.at

        stream = self.stream.value

        text = self.text


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "at": at,
            "stream": stream,
            "text": text,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = d.pop("at")

        stream = StreamEnum(d.pop("stream"))




        text = d.pop("text")

        sandbox_log_line = cls(
            at=at,
            stream=stream,
            text=text,
        )


        sandbox_log_line.additional_properties = d
        return sandbox_log_line

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
