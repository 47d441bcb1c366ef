from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="UsageRow")



@_attrs_define
class UsageRow:
    """ 
        Attributes:
            period (str): Start of the day or hour, UTC (ISO 8601)
            kind (str): The containers it came from: function, sandbox or build
            resource (str): "cpu", "memory", "gpu:<type>" or "disk" (charged as memory at 20:1)
            unit (str): core-seconds, GiB-seconds or GPU-seconds
            quantity (float): Charged: max of reserved and measured (disk: measured)
            cost (float): US dollars, at the prices the usage was metered at
            app_id (str | Unset): by=app
            app (str | Unset): by=app or by=function: the app's name
            function_id (str | Unset): by=function
            function (str | Unset): by=function: the function's name
            environment (str | Unset): by=environment
     """

    period: str
    kind: str
    resource: str
    unit: str
    quantity: float
    cost: float
    app_id: str | Unset = UNSET
    app: str | Unset = UNSET
    function_id: str | Unset = UNSET
    function: str | Unset = UNSET
    environment: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        period = self.period

        kind = self.kind

        resource = self.resource

        unit = self.unit

        quantity = self.quantity

        cost = self.cost

        app_id = self.app_id

        app = self.app

        function_id = self.function_id

        function = self.function

        environment = self.environment


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "period": period,
            "kind": kind,
            "resource": resource,
            "unit": unit,
            "quantity": quantity,
            "cost": cost,
        })
        if app_id is not UNSET:
            field_dict["app_id"] = app_id
        if app is not UNSET:
            field_dict["app"] = app
        if function_id is not UNSET:
            field_dict["function_id"] = function_id
        if function is not UNSET:
            field_dict["function"] = function
        if environment is not UNSET:
            field_dict["environment"] = environment

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        period = d.pop("period")

        kind = d.pop("kind")

        resource = d.pop("resource")

        unit = d.pop("unit")

        quantity = d.pop("quantity")

        cost = d.pop("cost")

        app_id = d.pop("app_id", UNSET)

        app = d.pop("app", UNSET)

        function_id = d.pop("function_id", UNSET)

        function = d.pop("function", UNSET)

        environment = d.pop("environment", UNSET)

        usage_row = cls(
            period=period,
            kind=kind,
            resource=resource,
            unit=unit,
            quantity=quantity,
            cost=cost,
            app_id=app_id,
            app=app,
            function_id=function_id,
            function=function,
            environment=environment,
        )


        usage_row.additional_properties = d
        return usage_row

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
