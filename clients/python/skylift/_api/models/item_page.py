from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.output import Output
  from ..models.output_item import OutputItem





T = TypeVar("T", bound="ItemPage")



@_attrs_define
class ItemPage:
    """ 
        Attributes:
            items (list[OutputItem]):
            done (bool): The generator ended (see output for how)
            output (None | Output):
     """

    items: list[OutputItem]
    done: bool
    output: None | Output
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.output import Output # noqa: PLC0415
        from ..models.output_item import OutputItem # noqa: PLC0415
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)



        done = self.done

        output: dict[str, Any] | None
        if isinstance(self.output, Output):
            output = self.output.to_dict()
        else:
            output = self.output


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "items": items,
            "done": done,
            "output": output,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.output import Output # noqa: PLC0415
        from ..models.output_item import OutputItem # noqa: PLC0415
        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in (_items):
            items_item = OutputItem.from_dict(items_item_data)



            items.append(items_item)


        done = d.pop("done")

        def _parse_output(data: object) -> None | Output:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                output_type_1 = Output.from_dict(data)



                return output_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Output, data)

        output = _parse_output(d.pop("output"))


        item_page = cls(
            items=items,
            done=done,
            output=output,
        )


        item_page.additional_properties = d
        return item_page

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
