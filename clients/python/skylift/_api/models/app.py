from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.state_enum import StateEnum
from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="App")



@_attrs_define
class App:
    """ 
        Attributes:
            id (str):
            name (str):
            state (StateEnum): * `ephemeral` - Ephemeral
                * `deployed` - Deployed
                * `stopped` - Stopped
            environment (None | str):
            live_version (int | None): The number of the live version of a deployed app (v3 is 3).
            deployed_by (None | str): Who made the live version (a deployed app)
            deployed_at (datetime.datetime | None): When the live version was made
            created_at (datetime.datetime):
            stopped_at (datetime.datetime | None):
            function_count (int):  Default: 0.
            running_containers (int):  Default: 0.
            inputs_1h (int): Inputs that finished in the last hour (cancelled ones aside) Default: 0.
            error_rate_1h (float | None): Share of those that failed, timed out or were terminated; null when none finished
            description (str | Unset):
            detached (bool | Unset): Keeps running when its client goes away
     """

    id: str
    name: str
    state: StateEnum
    environment: None | str
    live_version: int | None
    deployed_by: None | str
    deployed_at: datetime.datetime | None
    created_at: datetime.datetime
    stopped_at: datetime.datetime | None
    error_rate_1h: float | None
    function_count: int = 0
    running_containers: int = 0
    inputs_1h: int = 0
    description: str | Unset = UNSET
    detached: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        state = self.state.value

        environment: None | str
        environment = self.environment

        live_version: int | None
        live_version = self.live_version

        deployed_by: None | str
        deployed_by = self.deployed_by

        deployed_at: None | str
        if isinstance(self.deployed_at, datetime.datetime):
            deployed_at = self.deployed_at.isoformat()
        else:
            deployed_at = self.deployed_at

        created_at = self.created_at.isoformat()

        stopped_at: None | str
        if isinstance(self.stopped_at, datetime.datetime):
            stopped_at = self.stopped_at.isoformat()
        else:
            stopped_at = self.stopped_at

        function_count = self.function_count

        running_containers = self.running_containers

        inputs_1h = self.inputs_1h

        error_rate_1h: float | None
        error_rate_1h = self.error_rate_1h

        description = self.description

        detached = self.detached


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "name": name,
            "state": state,
            "environment": environment,
            "live_version": live_version,
            "deployed_by": deployed_by,
            "deployed_at": deployed_at,
            "created_at": created_at,
            "stopped_at": stopped_at,
            "function_count": function_count,
            "running_containers": running_containers,
            "inputs_1h": inputs_1h,
            "error_rate_1h": error_rate_1h,
        })
        if description is not UNSET:
            field_dict["description"] = description
        if detached is not UNSET:
            field_dict["detached"] = detached

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        state = StateEnum(d.pop("state"))




        def _parse_environment(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        environment = _parse_environment(d.pop("environment"))


        def _parse_live_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        live_version = _parse_live_version(d.pop("live_version"))


        def _parse_deployed_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deployed_by = _parse_deployed_by(d.pop("deployed_by"))


        def _parse_deployed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deployed_at_type_0 = datetime.datetime.fromisoformat(data)



                return deployed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        deployed_at = _parse_deployed_at(d.pop("deployed_at"))


        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        def _parse_stopped_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                stopped_at_type_0 = datetime.datetime.fromisoformat(data)



                return stopped_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        stopped_at = _parse_stopped_at(d.pop("stopped_at"))


        function_count = d.pop("function_count")

        running_containers = d.pop("running_containers")

        inputs_1h = d.pop("inputs_1h")

        def _parse_error_rate_1h(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        error_rate_1h = _parse_error_rate_1h(d.pop("error_rate_1h"))


        description = d.pop("description", UNSET)

        detached = d.pop("detached", UNSET)

        app = cls(
            id=id,
            name=name,
            state=state,
            environment=environment,
            live_version=live_version,
            deployed_by=deployed_by,
            deployed_at=deployed_at,
            created_at=created_at,
            stopped_at=stopped_at,
            function_count=function_count,
            running_containers=running_containers,
            inputs_1h=inputs_1h,
            error_rate_1h=error_rate_1h,
            description=description,
            detached=detached,
        )


        app.additional_properties = d
        return app

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
