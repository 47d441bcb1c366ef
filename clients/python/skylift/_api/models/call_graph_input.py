from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.call_graph_input_children_item import CallGraphInputChildrenItem





T = TypeVar("T", bound="CallGraphInput")



@_attrs_define
class CallGraphInput:
    """ An input of the call graph, with the inputs of the calls it made from its container.

        Attributes:
            input_id (str):
            function_call_id (str):
            task_id (str): The container that ran it (empty if none did)
            status (str):
            function_name (str):
            module_name (str):
            children (list[CallGraphInputChildrenItem]): Inputs of this same shape
     """

    input_id: str
    function_call_id: str
    task_id: str
    status: str
    function_name: str
    module_name: str
    children: list[CallGraphInputChildrenItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.call_graph_input_children_item import CallGraphInputChildrenItem # noqa: PLC0415
        input_id = self.input_id

        function_call_id = self.function_call_id

        task_id = self.task_id

        status = self.status

        function_name = self.function_name

        module_name = self.module_name

        children = []
        for children_item_data in self.children:
            children_item = children_item_data.to_dict()
            children.append(children_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "input_id": input_id,
            "function_call_id": function_call_id,
            "task_id": task_id,
            "status": status,
            "function_name": function_name,
            "module_name": module_name,
            "children": children,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_graph_input_children_item import CallGraphInputChildrenItem # noqa: PLC0415
        d = dict(src_dict)
        input_id = d.pop("input_id")

        function_call_id = d.pop("function_call_id")

        task_id = d.pop("task_id")

        status = d.pop("status")

        function_name = d.pop("function_name")

        module_name = d.pop("module_name")

        children = []
        _children = d.pop("children")
        for children_item_data in (_children):
            children_item = CallGraphInputChildrenItem.from_dict(children_item_data)



            children.append(children_item)


        call_graph_input = cls(
            input_id=input_id,
            function_call_id=function_call_id,
            task_id=task_id,
            status=status,
            function_name=function_name,
            module_name=module_name,
            children=children,
        )


        call_graph_input.additional_properties = d
        return call_graph_input

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
