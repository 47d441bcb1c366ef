from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="AlertWebhookRequest")



@_attrs_define
class AlertWebhookRequest:
    """ Where the workspace's budget alerts are posted (docs/billing.md#alert-webhooks).

        Attributes:
            url (str): http:// or https://; each alert is posted once
            rotate_secret (bool | Unset): Make a new signing secret Default: False.
     """

    url: str
    rotate_secret: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        url = self.url

        rotate_secret = self.rotate_secret


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "url": url,
        })
        if rotate_secret is not UNSET:
            field_dict["rotate_secret"] = rotate_secret

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        rotate_secret = d.pop("rotate_secret", UNSET)

        alert_webhook_request = cls(
            url=url,
            rotate_secret=rotate_secret,
        )


        alert_webhook_request.additional_properties = d
        return alert_webhook_request

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
