from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="SandboxTunnel")



@_attrs_define
class SandboxTunnel:
    """ 
        Attributes:
            port (int):
            encrypted (bool):
            url (str): Public: whoever has it reaches the port
            tcp_host (None | str): An unencrypted port's raw TCP tunnel: connect to tcp_host:tcp_port
            tcp_port (int | None):
     """

    port: int
    encrypted: bool
    url: str
    tcp_host: None | str
    tcp_port: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        port = self.port

        encrypted = self.encrypted

        url = self.url

        tcp_host: None | str
        tcp_host = self.tcp_host

        tcp_port: int | None
        tcp_port = self.tcp_port


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "port": port,
            "encrypted": encrypted,
            "url": url,
            "tcp_host": tcp_host,
            "tcp_port": tcp_port,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        port = d.pop("port")

        encrypted = d.pop("encrypted")

        url = d.pop("url")

        def _parse_tcp_host(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tcp_host = _parse_tcp_host(d.pop("tcp_host"))


        def _parse_tcp_port(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        tcp_port = _parse_tcp_port(d.pop("tcp_port"))


        sandbox_tunnel = cls(
            port=port,
            encrypted=encrypted,
            url=url,
            tcp_host=tcp_host,
            tcp_port=tcp_port,
        )


        sandbox_tunnel.additional_properties = d
        return sandbox_tunnel

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
