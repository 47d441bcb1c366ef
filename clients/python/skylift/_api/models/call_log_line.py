from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="CallLogLine")



@_attrs_define
class CallLogLine:
    """ 
        Attributes:
            id (int):
            stream (str):
            text (str):
            task_id (str):
            created_at (datetime.datetime):
     """

    id: int
    stream: str
    text: str
    task_id: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        stream = self.stream

        text = self.text

        task_id = self.task_id

        created_at = self.created_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "stream": stream,
            "text": text,
            "task_id": task_id,
            "created_at": created_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        stream = d.pop("stream")

        text = d.pop("text")

        task_id = d.pop("task_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        call_log_line = cls(
            id=id,
            stream=stream,
            text=text,
            task_id=task_id,
            created_at=created_at,
        )


        call_log_line.additional_properties = d
        return call_log_line

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
