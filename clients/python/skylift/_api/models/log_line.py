from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.stream_enum import StreamEnum
from typing import cast
import datetime






T = TypeVar("T", bound="LogLine")



@_attrs_define
class LogLine:
    """ 
        Attributes:
            id (str): Lines are ordered by id (a whole number, as a string)
            app_id (str):
            app (str): The app's name
            function_id (None | str):
            function (str):
            call_id (None | str):
            container_id (None | str):
            stream (StreamEnum): * `stdout` - stdout
                * `stderr` - stderr
            text (str):
            created_at (datetime.datetime):
     """

    id: str
    app_id: str
    app: str
    function_id: None | str
    function: str
    call_id: None | str
    container_id: None | str
    stream: StreamEnum
    text: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        app_id = self.app_id

        app = self.app

        function_id: None | str
        function_id = self.function_id

        function = self.function

        call_id: None | str
        call_id = self.call_id

        container_id: None | str
        container_id = self.container_id

        stream = self.stream.value

        text = self.text

        created_at = self.created_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "app_id": app_id,
            "app": app,
            "function_id": function_id,
            "function": function,
            "call_id": call_id,
            "container_id": container_id,
            "stream": stream,
            "text": text,
            "created_at": created_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        app_id = d.pop("app_id")

        app = d.pop("app")

        def _parse_function_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        function_id = _parse_function_id(d.pop("function_id"))


        function = d.pop("function")

        def _parse_call_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        call_id = _parse_call_id(d.pop("call_id"))


        def _parse_container_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        container_id = _parse_container_id(d.pop("container_id"))


        stream = StreamEnum(d.pop("stream"))




        text = d.pop("text")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        log_line = cls(
            id=id,
            app_id=app_id,
            app=app,
            function_id=function_id,
            function=function,
            call_id=call_id,
            container_id=container_id,
            stream=stream,
            text=text,
            created_at=created_at,
        )


        log_line.additional_properties = d
        return log_line

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
