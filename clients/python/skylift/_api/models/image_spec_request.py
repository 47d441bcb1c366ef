from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.base_enum import BaseEnum
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.image_spec_request_steps_item import ImageSpecRequestStepsItem





T = TypeVar("T", bound="ImageSpecRequest")



@_attrs_define
class ImageSpecRequest:
    """ 
        Attributes:
            base (BaseEnum | Unset): * `debian_slim` - debian_slim Default: BaseEnum.DEBIAN_SLIM.
            python_version (str | Unset):
            steps (list[ImageSpecRequestStepsItem] | Unset):
     """

    base: BaseEnum | Unset = BaseEnum.DEBIAN_SLIM
    python_version: str | Unset = UNSET
    steps: list[ImageSpecRequestStepsItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.image_spec_request_steps_item import ImageSpecRequestStepsItem # noqa: PLC0415
        base: str | Unset = UNSET
        if not isinstance(self.base, Unset):
            base = self.base.value


        python_version = self.python_version

        steps: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.steps, Unset):
            steps = []
            for steps_item_data in self.steps:
                steps_item = steps_item_data.to_dict()
                steps.append(steps_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if base is not UNSET:
            field_dict["base"] = base
        if python_version is not UNSET:
            field_dict["python_version"] = python_version
        if steps is not UNSET:
            field_dict["steps"] = steps

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.image_spec_request_steps_item import ImageSpecRequestStepsItem # noqa: PLC0415
        d = dict(src_dict)
        _base = d.pop("base", UNSET)
        base: BaseEnum | Unset
        if isinstance(_base,  Unset):
            base = UNSET
        else:
            base = BaseEnum(_base)




        python_version = d.pop("python_version", UNSET)

        _steps = d.pop("steps", UNSET)
        steps: list[ImageSpecRequestStepsItem] | Unset = UNSET
        if _steps is not UNSET:
            steps = []
            for steps_item_data in _steps:
                steps_item = ImageSpecRequestStepsItem.from_dict(steps_item_data)



                steps.append(steps_item)


        image_spec_request = cls(
            base=base,
            python_version=python_version,
            steps=steps,
        )


        image_spec_request.additional_properties = d
        return image_spec_request

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
