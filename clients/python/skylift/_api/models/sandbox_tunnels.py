from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.sandbox_tunnel import SandboxTunnel





T = TypeVar("T", bound="SandboxTunnels")



@_attrs_define
class SandboxTunnels:
    """ 
        Attributes:
            tunnels (list[SandboxTunnel]):
     """

    tunnels: list[SandboxTunnel]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.sandbox_tunnel import SandboxTunnel # noqa: PLC0415
        tunnels = []
        for tunnels_item_data in self.tunnels:
            tunnels_item = tunnels_item_data.to_dict()
            tunnels.append(tunnels_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "tunnels": tunnels,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sandbox_tunnel import SandboxTunnel # noqa: PLC0415
        d = dict(src_dict)
        tunnels = []
        _tunnels = d.pop("tunnels")
        for tunnels_item_data in (_tunnels):
            tunnels_item = SandboxTunnel.from_dict(tunnels_item_data)



            tunnels.append(tunnels_item)


        sandbox_tunnels = cls(
            tunnels=tunnels,
        )


        sandbox_tunnels.additional_properties = d
        return sandbox_tunnels

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
