from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="AlertWebhook")



@_attrs_define
class AlertWebhook:
    """ Where the workspace's budget alerts are posted (docs/billing.md#alert-webhooks).

        Attributes:
            url (str): http:// or https://; each alert is posted once
            secret (str): Key of the HMAC-SHA256 in X-Skylift-Signature (owners and admins see it)
            updated_at (datetime.datetime):
     """

    url: str
    secret: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        url = self.url

        secret = self.secret

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "url": url,
            "secret": secret,
            "updated_at": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        secret = d.pop("secret")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        alert_webhook = cls(
            url=url,
            secret=secret,
            updated_at=updated_at,
        )


        alert_webhook.additional_properties = d
        return alert_webhook

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
