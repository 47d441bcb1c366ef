from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.cold_starts import ColdStarts





T = TypeVar("T", bound="AppVersion")



@_attrs_define
class AppVersion:
    """ A version. Serializing many at once: pass `context={"cold_starts": coldstarts.of_versions(...)}`
    (one query for all of them).

        Attributes:
            id (str):
            app_id (str):
            number (int):
            tag (str):
            client_version (str):
            git_commit (str):
            git_dirty (bool | None):
            rollback_of (int | None): The number of the version a rollback copied.
            created_by (None | str):
            created_at (datetime.datetime):
            functions (list[str]): The names of its functions and classes.
            secrets (list[str]): The names of the named secrets its functions are given (inline ones are not named).
            cold_starts (ColdStarts): A version's cold starts (seconds from a container being asked for to its start).
     """

    id: str
    app_id: str
    number: int
    tag: str
    client_version: str
    git_commit: str
    git_dirty: bool | None
    rollback_of: int | None
    created_by: None | str
    created_at: datetime.datetime
    functions: list[str]
    secrets: list[str]
    cold_starts: ColdStarts
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.cold_starts import ColdStarts # noqa: PLC0415
        id = self.id

        app_id = self.app_id

        number = self.number

        tag = self.tag

        client_version = self.client_version

        git_commit = self.git_commit

        git_dirty: bool | None
        git_dirty = self.git_dirty

        rollback_of: int | None
        rollback_of = self.rollback_of

        created_by: None | str
        created_by = self.created_by

        created_at = self.created_at.isoformat()

        functions = self.functions



        secrets = self.secrets



        cold_starts = self.cold_starts.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "app_id": app_id,
            "number": number,
            "tag": tag,
            "client_version": client_version,
            "git_commit": git_commit,
            "git_dirty": git_dirty,
            "rollback_of": rollback_of,
            "created_by": created_by,
            "created_at": created_at,
            "functions": functions,
            "secrets": secrets,
            "cold_starts": cold_starts,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cold_starts import ColdStarts # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        app_id = d.pop("app_id")

        number = d.pop("number")

        tag = d.pop("tag")

        client_version = d.pop("client_version")

        git_commit = d.pop("git_commit")

        def _parse_git_dirty(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        git_dirty = _parse_git_dirty(d.pop("git_dirty"))


        def _parse_rollback_of(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rollback_of = _parse_rollback_of(d.pop("rollback_of"))


        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))


        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        functions = cast(list[str], d.pop("functions"))


        secrets = cast(list[str], d.pop("secrets"))


        cold_starts = ColdStarts.from_dict(d.pop("cold_starts"))




        app_version = cls(
            id=id,
            app_id=app_id,
            number=number,
            tag=tag,
            client_version=client_version,
            git_commit=git_commit,
            git_dirty=git_dirty,
            rollback_of=rollback_of,
            created_by=created_by,
            created_at=created_at,
            functions=functions,
            secrets=secrets,
            cold_starts=cold_starts,
        )


        app_version.additional_properties = d
        return app_version

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
