from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="StatementLine")



@_attrs_define
class StatementLine:
    """ 
        Attributes:
            app_id (str):
            app (str):
            cpu (float): US dollars
            memory (float): US dollars
            gpu (float): US dollars
            total (float): US dollars
     """

    app_id: str
    app: str
    cpu: float
    memory: float
    gpu: float
    total: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        app_id = self.app_id

        app = self.app

        cpu = self.cpu

        memory = self.memory

        gpu = self.gpu

        total = self.total


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "app_id": app_id,
            "app": app,
            "cpu": cpu,
            "memory": memory,
            "gpu": gpu,
            "total": total,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        app_id = d.pop("app_id")

        app = d.pop("app")

        cpu = d.pop("cpu")

        memory = d.pop("memory")

        gpu = d.pop("gpu")

        total = d.pop("total")

        statement_line = cls(
            app_id=app_id,
            app=app,
            cpu=cpu,
            memory=memory,
            gpu=gpu,
            total=total,
        )


        statement_line.additional_properties = d
        return statement_line

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
