from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.build import Build
  from ..models.image import Image





T = TypeVar("T", bound="ImageEnsured")



@_attrs_define
class ImageEnsured:
    """ 
        Attributes:
            image (Image):
            build (Build | None): The build making the image, or null when it was cached
     """

    image: Image
    build: Build | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.build import Build # noqa: PLC0415
        from ..models.image import Image # noqa: PLC0415
        image = self.image.to_dict()

        build: dict[str, Any] | None
        if isinstance(self.build, Build):
            build = self.build.to_dict()
        else:
            build = self.build


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "image": image,
            "build": build,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.build import Build # noqa: PLC0415
        from ..models.image import Image # noqa: PLC0415
        d = dict(src_dict)
        image = Image.from_dict(d.pop("image"))




        def _parse_build(data: object) -> Build | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                build_type_1 = Build.from_dict(data)



                return build_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Build | None, data)

        build = _parse_build(d.pop("build"))


        image_ensured = cls(
            image=image,
            build=build,
        )


        image_ensured.additional_properties = d
        return image_ensured

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
