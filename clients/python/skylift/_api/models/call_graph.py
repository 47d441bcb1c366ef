from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.call_graph_input import CallGraphInput





T = TypeVar("T", bound="CallGraph")



@_attrs_define
class CallGraph:
    """ 
        Attributes:
            root_call_id (str): The call at the top of the graph
            inputs (list[CallGraphInput]): The root call's inputs
     """

    root_call_id: str
    inputs: list[CallGraphInput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.call_graph_input import CallGraphInput # noqa: PLC0415
        root_call_id = self.root_call_id

        inputs = []
        for inputs_item_data in self.inputs:
            inputs_item = inputs_item_data.to_dict()
            inputs.append(inputs_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "root_call_id": root_call_id,
            "inputs": inputs,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_graph_input import CallGraphInput # noqa: PLC0415
        d = dict(src_dict)
        root_call_id = d.pop("root_call_id")

        inputs = []
        _inputs = d.pop("inputs")
        for inputs_item_data in (_inputs):
            inputs_item = CallGraphInput.from_dict(inputs_item_data)



            inputs.append(inputs_item)


        call_graph = cls(
            root_call_id=root_call_id,
            inputs=inputs,
        )


        call_graph.additional_properties = d
        return call_graph

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
