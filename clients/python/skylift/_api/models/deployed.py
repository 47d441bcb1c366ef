from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.app import App
  from ..models.app_version import AppVersion
  from ..models.function import Function
  from ..models.standing_cost import StandingCost





T = TypeVar("T", bound="Deployed")



@_attrs_define
class Deployed:
    """ 
        Attributes:
            app (App):
            version (AppVersion): A version. Serializing many at once: pass `context={"cold_starts":
                coldstarts.of_versions(...)}`
                (one query for all of them).
            changed (bool): False when the app already ran exactly this
            functions (list[Function]):
            standing_cost (StandingCost): What an app costs while idle (docs/billing.md#standing-cost).
     """

    app: App
    version: AppVersion
    changed: bool
    functions: list[Function]
    standing_cost: StandingCost
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.app import App # noqa: PLC0415
        from ..models.app_version import AppVersion # noqa: PLC0415
        from ..models.function import Function # noqa: PLC0415
        from ..models.standing_cost import StandingCost # noqa: PLC0415
        app = self.app.to_dict()

        version = self.version.to_dict()

        changed = self.changed

        functions = []
        for functions_item_data in self.functions:
            functions_item = functions_item_data.to_dict()
            functions.append(functions_item)



        standing_cost = self.standing_cost.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "app": app,
            "version": version,
            "changed": changed,
            "functions": functions,
            "standing_cost": standing_cost,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app import App # noqa: PLC0415
        from ..models.app_version import AppVersion # noqa: PLC0415
        from ..models.function import Function # noqa: PLC0415
        from ..models.standing_cost import StandingCost # noqa: PLC0415
        d = dict(src_dict)
        app = App.from_dict(d.pop("app"))




        version = AppVersion.from_dict(d.pop("version"))




        changed = d.pop("changed")

        functions = []
        _functions = d.pop("functions")
        for functions_item_data in (_functions):
            functions_item = Function.from_dict(functions_item_data)



            functions.append(functions_item)


        standing_cost = StandingCost.from_dict(d.pop("standing_cost"))




        deployed = cls(
            app=app,
            version=version,
            changed=changed,
            functions=functions,
            standing_cost=standing_cost,
        )


        deployed.additional_properties = d
        return deployed

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
