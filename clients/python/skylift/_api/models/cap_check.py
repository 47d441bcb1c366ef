from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.period_enum import PeriodEnum
from ..models.scope_enum import ScopeEnum






T = TypeVar("T", bound="CapCheck")



@_attrs_define
class CapCheck:
    """ 
        Attributes:
            budget_id (str):
            scope (ScopeEnum): * `app` - app
                * `workspace` - workspace
            period (PeriodEnum): * `day` - day
                * `month` - month
            limit_usd (float):
            idle_per_period (float): What the idle containers alone cost per period
            allows_per_hour (float): The cap spread over its period's hours
            exceeded (bool): The idle cost alone exceeds the cap
     """

    budget_id: str
    scope: ScopeEnum
    period: PeriodEnum
    limit_usd: float
    idle_per_period: float
    allows_per_hour: float
    exceeded: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        budget_id = self.budget_id

        scope = self.scope.value

        period = self.period.value

        limit_usd = self.limit_usd

        idle_per_period = self.idle_per_period

        allows_per_hour = self.allows_per_hour

        exceeded = self.exceeded


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "budget_id": budget_id,
            "scope": scope,
            "period": period,
            "limit_usd": limit_usd,
            "idle_per_period": idle_per_period,
            "allows_per_hour": allows_per_hour,
            "exceeded": exceeded,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        budget_id = d.pop("budget_id")

        scope = ScopeEnum(d.pop("scope"))




        period = PeriodEnum(d.pop("period"))




        limit_usd = d.pop("limit_usd")

        idle_per_period = d.pop("idle_per_period")

        allows_per_hour = d.pop("allows_per_hour")

        exceeded = d.pop("exceeded")

        cap_check = cls(
            budget_id=budget_id,
            scope=scope,
            period=period,
            limit_usd=limit_usd,
            idle_per_period=idle_per_period,
            allows_per_hour=allows_per_hour,
            exceeded=exceeded,
        )


        cap_check.additional_properties = d
        return cap_check

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
