from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.build_status_enum import BuildStatusEnum
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.build_step import BuildStep





T = TypeVar("T", bound="BuildDetail")



@_attrs_define
class BuildDetail:
    """ 
        Attributes:
            id (str):
            image_id (str):
            status (BuildStatusEnum): * `queued` - Queued
                * `running` - Running
                * `succeeded` - Succeeded
                * `failed` - Failed
            force (bool):
            ignore_cache (bool):
            steps (list[BuildStep]):
            cache_hits (int):
            layers_built (int):
            failed_step (int | None):
            error (str):
            created_at (datetime.datetime):
            started_at (datetime.datetime | None):
            finished_at (datetime.datetime | None):
            duration (float | None):
            log (str):
     """

    id: str
    image_id: str
    status: BuildStatusEnum
    force: bool
    ignore_cache: bool
    steps: list[BuildStep]
    cache_hits: int
    layers_built: int
    failed_step: int | None
    error: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    duration: float | None
    log: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.build_step import BuildStep # noqa: PLC0415
        id = self.id

        image_id = self.image_id

        status = self.status.value

        force = self.force

        ignore_cache = self.ignore_cache

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)



        cache_hits = self.cache_hits

        layers_built = self.layers_built

        failed_step: int | None
        failed_step = self.failed_step

        error = self.error

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        duration: float | None
        duration = self.duration

        log = self.log


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "image_id": image_id,
            "status": status,
            "force": force,
            "ignore_cache": ignore_cache,
            "steps": steps,
            "cache_hits": cache_hits,
            "layers_built": layers_built,
            "failed_step": failed_step,
            "error": error,
            "created_at": created_at,
            "started_at": started_at,
            "finished_at": finished_at,
            "duration": duration,
            "log": log,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.build_step import BuildStep # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        image_id = d.pop("image_id")

        status = BuildStatusEnum(d.pop("status"))




        force = d.pop("force")

        ignore_cache = d.pop("ignore_cache")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in (_steps):
            steps_item = BuildStep.from_dict(steps_item_data)



            steps.append(steps_item)


        cache_hits = d.pop("cache_hits")

        layers_built = d.pop("layers_built")

        def _parse_failed_step(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        failed_step = _parse_failed_step(d.pop("failed_step"))


        error = d.pop("error")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)



                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))


        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)



                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))


        def _parse_duration(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration = _parse_duration(d.pop("duration"))


        log = d.pop("log")

        build_detail = cls(
            id=id,
            image_id=image_id,
            status=status,
            force=force,
            ignore_cache=ignore_cache,
            steps=steps,
            cache_hits=cache_hits,
            layers_built=layers_built,
            failed_step=failed_step,
            error=error,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
            duration=duration,
            log=log,
        )


        build_detail.additional_properties = d
        return build_detail

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
