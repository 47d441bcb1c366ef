from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.image_status_enum import ImageStatusEnum
from typing import cast
import datetime






T = TypeVar("T", bound="Image")



@_attrs_define
class Image:
    """ 
        Attributes:
            id (str):
            status (ImageStatusEnum): * `ready` - Ready
                * `building` - Building
                * `failed` - Failed
            python_version (str):
            layer_hash (str):
            docker_ref (str):
            spec (Any):
            mounts (Any):
            error (str):
            created_at (datetime.datetime):
            last_used_at (datetime.datetime):
     """

    id: str
    status: ImageStatusEnum
    python_version: str
    layer_hash: str
    docker_ref: str
    spec: Any
    mounts: Any
    error: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status.value

        python_version = self.python_version

        layer_hash = self.layer_hash

        docker_ref = self.docker_ref

        spec = self.spec

        mounts = self.mounts

        error = self.error

        created_at = self.created_at.isoformat()

        last_used_at = self.last_used_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "status": status,
            "python_version": python_version,
            "layer_hash": layer_hash,
            "docker_ref": docker_ref,
            "spec": spec,
            "mounts": mounts,
            "error": error,
            "created_at": created_at,
            "last_used_at": last_used_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        status = ImageStatusEnum(d.pop("status"))




        python_version = d.pop("python_version")

        layer_hash = d.pop("layer_hash")

        docker_ref = d.pop("docker_ref")

        spec = d.pop("spec")

        mounts = d.pop("mounts")

        error = d.pop("error")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        last_used_at = datetime.datetime.fromisoformat(d.pop("last_used_at"))




        image = cls(
            id=id,
            status=status,
            python_version=python_version,
            layer_hash=layer_hash,
            docker_ref=docker_ref,
            spec=spec,
            mounts=mounts,
            error=error,
            created_at=created_at,
            last_used_at=last_used_at,
        )


        image.additional_properties = d
        return image

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
