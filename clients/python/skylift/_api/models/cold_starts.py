from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="ColdStarts")



@_attrs_define
class ColdStarts:
    """ A version's cold starts (seconds from a container being asked for to its start).

        Attributes:
            count (int): Containers of the version that started
            median (float | None): Of the last 50
            p90 (float | None): Of the last 50
            first_median (float | None): Of the first 20
            first_p90 (float | None): Of the first 20
            previous_median (float | None): The previous version's median
            ratio (float | None): median / previous_median
            flagged (bool): The median is more than 1.5× the previous version's
     """

    count: int
    median: float | None
    p90: float | None
    first_median: float | None
    first_p90: float | None
    previous_median: float | None
    ratio: float | None
    flagged: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        count = self.count

        median: float | None
        median = self.median

        p90: float | None
        p90 = self.p90

        first_median: float | None
        first_median = self.first_median

        first_p90: float | None
        first_p90 = self.first_p90

        previous_median: float | None
        previous_median = self.previous_median

        ratio: float | None
        ratio = self.ratio

        flagged = self.flagged


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "count": count,
            "median": median,
            "p90": p90,
            "first_median": first_median,
            "first_p90": first_p90,
            "previous_median": previous_median,
            "ratio": ratio,
            "flagged": flagged,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        count = d.pop("count")

        def _parse_median(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        median = _parse_median(d.pop("median"))


        def _parse_p90(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        p90 = _parse_p90(d.pop("p90"))


        def _parse_first_median(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        first_median = _parse_first_median(d.pop("first_median"))


        def _parse_first_p90(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        first_p90 = _parse_first_p90(d.pop("first_p90"))


        def _parse_previous_median(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        previous_median = _parse_previous_median(d.pop("previous_median"))


        def _parse_ratio(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        ratio = _parse_ratio(d.pop("ratio"))


        flagged = d.pop("flagged")

        cold_starts = cls(
            count=count,
            median=median,
            p90=p90,
            first_median=first_median,
            first_p90=first_p90,
            previous_median=previous_median,
            ratio=ratio,
            flagged=flagged,
        )


        cold_starts.additional_properties = d
        return cold_starts

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
