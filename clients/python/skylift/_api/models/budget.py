from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.period_enum import PeriodEnum
from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="Budget")



@_attrs_define
class Budget:
    """ 
        Attributes:
            id (str):
            app (None | str):
            limit_usd (float): US dollars per period
            spend_usd (float): Spent in the current period
            reached (bool): At the cap: no new container starts
            threshold (int): The highest alert threshold reached this period: 0, 50, 80 or 100 (%)
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
            app_id (None | str | Unset): The app it caps; none: the whole workspace
            period (PeriodEnum | Unset): * `day` - day
                * `month` - month Default: PeriodEnum.MONTH.
     """

    id: str
    app: None | str
    limit_usd: float
    spend_usd: float
    reached: bool
    threshold: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    app_id: None | str | Unset = UNSET
    period: PeriodEnum | Unset = PeriodEnum.MONTH
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        app: None | str
        app = self.app

        limit_usd = self.limit_usd

        spend_usd = self.spend_usd

        reached = self.reached

        threshold = self.threshold

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        app_id: None | str | Unset
        if isinstance(self.app_id, Unset):
            app_id = UNSET
        else:
            app_id = self.app_id

        period: str | Unset = UNSET
        if not isinstance(self.period, Unset):
            period = self.period.value



        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "app": app,
            "limit_usd": limit_usd,
            "spend_usd": spend_usd,
            "reached": reached,
            "threshold": threshold,
            "created_at": created_at,
            "updated_at": updated_at,
        })
        if app_id is not UNSET:
            field_dict["app_id"] = app_id
        if period is not UNSET:
            field_dict["period"] = period

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        def _parse_app(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        app = _parse_app(d.pop("app"))


        limit_usd = d.pop("limit_usd")

        spend_usd = d.pop("spend_usd")

        reached = d.pop("reached")

        threshold = d.pop("threshold")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        def _parse_app_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        app_id = _parse_app_id(d.pop("app_id", UNSET))


        _period = d.pop("period", UNSET)
        period: PeriodEnum | Unset
        if isinstance(_period,  Unset):
            period = UNSET
        else:
            period = PeriodEnum(_period)




        budget = cls(
            id=id,
            app=app,
            limit_usd=limit_usd,
            spend_usd=spend_usd,
            reached=reached,
            threshold=threshold,
            created_at=created_at,
            updated_at=updated_at,
            app_id=app_id,
            period=period,
        )


        budget.additional_properties = d
        return budget

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
