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
  from ..models.image_spec_request_mounts_item import ImageSpecRequestMountsItem
  from ..models.image_spec_request_registry_secret_item import ImageSpecRequestRegistrySecretItem
  from ..models.image_spec_request_steps_item import ImageSpecRequestStepsItem





T = TypeVar("T", bound="ImageSpecRequest")



@_attrs_define
class ImageSpecRequest:
    """ An image as the SDK describes it: a base, build steps, and files attached at start.

        Attributes:
            base (BaseEnum | Unset): * `debian_slim` - debian_slim
                * `from_registry` - from_registry
                * `from_dockerfile` - from_dockerfile
                * `micromamba` - micromamba Default: BaseEnum.DEBIAN_SLIM.
            python_version (str | Unset):
            image_id (str | Unset): An image the workspace has (im-...: a sandbox's snapshot), used as it is, in place of a
                base
            tag (str | Unset): from_registry: the image reference
            registry_secret (list[ImageSpecRequestRegistrySecretItem] | Unset): from_registry: REGISTRY_USERNAME /
                REGISTRY_PASSWORD; used to pull, never stored with the spec
            registry_secret_ids (list[str] | Unset): from_registry: named secrets (st-...) with the credentials, before
                registry_secret's
            dockerfile (str | Unset): from_dockerfile: its text
            context_sha256 (None | str | Unset): from_dockerfile: the uploaded context (a mount)
            steps (list[ImageSpecRequestStepsItem] | Unset): Build steps in order, each {kind, ...}; each is one cached
                layer. A step's secrets: "secret_ids" (named secrets, st-...) then "secrets" (inline values), later ones winning
            mounts (list[ImageSpecRequestMountsItem] | Unset): Uploaded files attached read-only at container start:
                {sha256, target, type, name?}
            force_build (bool | Unset): Rebuild every layer Default: False.
            ignore_cache (bool | Unset): Build afresh without reading or changing the layer cache Default: False.
     """

    base: BaseEnum | Unset = BaseEnum.DEBIAN_SLIM
    python_version: str | Unset = UNSET
    image_id: str | Unset = UNSET
    tag: str | Unset = UNSET
    registry_secret: list[ImageSpecRequestRegistrySecretItem] | Unset = UNSET
    registry_secret_ids: list[str] | Unset = UNSET
    dockerfile: str | Unset = UNSET
    context_sha256: None | str | Unset = UNSET
    steps: list[ImageSpecRequestStepsItem] | Unset = UNSET
    mounts: list[ImageSpecRequestMountsItem] | Unset = UNSET
    force_build: bool | Unset = False
    ignore_cache: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.image_spec_request_mounts_item import ImageSpecRequestMountsItem # noqa: PLC0415
        from ..models.image_spec_request_registry_secret_item import ImageSpecRequestRegistrySecretItem # noqa: PLC0415
        from ..models.image_spec_request_steps_item import ImageSpecRequestStepsItem # noqa: PLC0415
        base: str | Unset = UNSET
        if not isinstance(self.base, Unset):
            base = self.base.value


        python_version = self.python_version

        image_id = self.image_id

        tag = self.tag

        registry_secret: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.registry_secret, Unset):
            registry_secret = []
            for registry_secret_item_data in self.registry_secret:
                registry_secret_item = registry_secret_item_data.to_dict()
                registry_secret.append(registry_secret_item)



        registry_secret_ids: list[str] | Unset = UNSET
        if not isinstance(self.registry_secret_ids, Unset):
            registry_secret_ids = self.registry_secret_ids



        dockerfile = self.dockerfile

        context_sha256: None | str | Unset
        if isinstance(self.context_sha256, Unset):
            context_sha256 = UNSET
        else:
            context_sha256 = self.context_sha256

        steps: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.steps, Unset):
            steps = []
            for steps_item_data in self.steps:
                steps_item = steps_item_data.to_dict()
                steps.append(steps_item)



        mounts: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.mounts, Unset):
            mounts = []
            for mounts_item_data in self.mounts:
                mounts_item = mounts_item_data.to_dict()
                mounts.append(mounts_item)



        force_build = self.force_build

        ignore_cache = self.ignore_cache


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if base is not UNSET:
            field_dict["base"] = base
        if python_version is not UNSET:
            field_dict["python_version"] = python_version
        if image_id is not UNSET:
            field_dict["image_id"] = image_id
        if tag is not UNSET:
            field_dict["tag"] = tag
        if registry_secret is not UNSET:
            field_dict["registry_secret"] = registry_secret
        if registry_secret_ids is not UNSET:
            field_dict["registry_secret_ids"] = registry_secret_ids
        if dockerfile is not UNSET:
            field_dict["dockerfile"] = dockerfile
        if context_sha256 is not UNSET:
            field_dict["context_sha256"] = context_sha256
        if steps is not UNSET:
            field_dict["steps"] = steps
        if mounts is not UNSET:
            field_dict["mounts"] = mounts
        if force_build is not UNSET:
            field_dict["force_build"] = force_build
        if ignore_cache is not UNSET:
            field_dict["ignore_cache"] = ignore_cache

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.image_spec_request_mounts_item import ImageSpecRequestMountsItem # noqa: PLC0415
        from ..models.image_spec_request_registry_secret_item import ImageSpecRequestRegistrySecretItem # noqa: PLC0415
        from ..models.image_spec_request_steps_item import ImageSpecRequestStepsItem # noqa: PLC0415
        d = dict(src_dict)
        _base = d.pop("base", UNSET)
        base: BaseEnum | Unset
        if isinstance(_base,  Unset):
            base = UNSET
        else:
            base = BaseEnum(_base)




        python_version = d.pop("python_version", UNSET)

        image_id = d.pop("image_id", UNSET)

        tag = d.pop("tag", UNSET)

        _registry_secret = d.pop("registry_secret", UNSET)
        registry_secret: list[ImageSpecRequestRegistrySecretItem] | Unset = UNSET
        if _registry_secret is not UNSET:
            registry_secret = []
            for registry_secret_item_data in _registry_secret:
                registry_secret_item = ImageSpecRequestRegistrySecretItem.from_dict(registry_secret_item_data)



                registry_secret.append(registry_secret_item)


        registry_secret_ids = cast(list[str], d.pop("registry_secret_ids", UNSET))


        dockerfile = d.pop("dockerfile", UNSET)

        def _parse_context_sha256(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        context_sha256 = _parse_context_sha256(d.pop("context_sha256", UNSET))


        _steps = d.pop("steps", UNSET)
        steps: list[ImageSpecRequestStepsItem] | Unset = UNSET
        if _steps is not UNSET:
            steps = []
            for steps_item_data in _steps:
                steps_item = ImageSpecRequestStepsItem.from_dict(steps_item_data)



                steps.append(steps_item)


        _mounts = d.pop("mounts", UNSET)
        mounts: list[ImageSpecRequestMountsItem] | Unset = UNSET
        if _mounts is not UNSET:
            mounts = []
            for mounts_item_data in _mounts:
                mounts_item = ImageSpecRequestMountsItem.from_dict(mounts_item_data)



                mounts.append(mounts_item)


        force_build = d.pop("force_build", UNSET)

        ignore_cache = d.pop("ignore_cache", UNSET)

        image_spec_request = cls(
            base=base,
            python_version=python_version,
            image_id=image_id,
            tag=tag,
            registry_secret=registry_secret,
            registry_secret_ids=registry_secret_ids,
            dockerfile=dockerfile,
            context_sha256=context_sha256,
            steps=steps,
            mounts=mounts,
            force_build=force_build,
            ignore_cache=ignore_cache,
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
