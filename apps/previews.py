"""The rollback preview: what rolling an app back to an earlier version would change, and what not.

It compares the live version with the target, as the rollback would go: from the live one to the
target. The source files of the versions' mounts (tars of the deployed modules or packages) are
compared file by file, text files as unified diffs, others named as changed; each function present
in both is compared line by line on what `deployments.definition_of` records of it, with its image
as its steps: resources, autoscaler settings and whatever else a version's spec holds (secret
names, schedules, web endpoint settings) show up without this module knowing them. Nothing is
changed: the preview only reads.

A rollback restores code, image and configuration; it does not restore data or secret values,
nor does it move calls already running: `RESTORES` and `DOES_NOT_RESTORE` say so in words that the
CLI and the dashboard show as they are.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from builds.models import Image
from builds.spec import describe_step
from functions.models import Mount

from .deployments import rollback_target
from .models import App, AppVersion

__all__ = [
    "DOES_NOT_RESTORE",
    "RESTORES",
    "FieldChange",
    "FileChange",
    "FunctionChange",
    "RollbackPreview",
    "preview_rollback",
]

RESTORES = (
    "code: the target version's source files and functions",
    "image: the image each of its functions ran",
    "configuration: resources, autoscaler settings, retries, secret names, schedules and web endpoint settings",
)
DOES_NOT_RESTORE = (
    "volume contents: volumes keep what they hold now",
    "Dict and Queue contents",
    "secret values: secrets are restored by name, with the values they have now",
    "calls already running: they finish on the version they started on; new calls go to the new version",
)

# A file larger than this is named as changed, not diffed; a diff longer than this is cut.
MAX_FILE_BYTES = 1024 * 1024
MAX_DIFF_LINES = 2000

# How the changes of a function are grouped for the reader; a field not named here (one added to
# the definitions later) is its own group.
CATEGORIES = {
    **dict.fromkeys(("cpu", "memory", "gpu", "timeout", "block_network", "volumes"), "resources"),
    **dict.fromkeys(
        (
            "min_containers",
            "max_containers",
            "buffer_containers",
            "target_inputs",
            "max_inputs",
            "scaledown_window",
        ),
        "autoscaler",
    ),
    **dict.fromkeys(("module", "qualname", "is_generator", "client_python", "serialized_sha256"), "code"),
    **dict.fromkeys(("image", "image_id"), "image"),
}
# What the source diff already shows, or what names a function rather than describes it.
_NOT_COMPARED = ("name", "mount_sha256")


@dataclass(frozen=True)
class FileChange:
    path: str
    change: str  # "added" (the target has it, the live version does not), "removed" or "modified"
    binary: bool  # not shown as text: a binary file, or one too large to show
    diff: str  # a unified diff; empty when `binary`
    note: str = ""  # why it is not shown


@dataclass(frozen=True)
class FieldChange:
    field: str
    category: str
    live: Any  # as JSON; None when the version does not have it
    target: Any


@dataclass(frozen=True)
class FunctionChange:
    name: str
    changes: list[FieldChange]
    diff: str  # the same changes as a unified diff of the function's description


@dataclass(frozen=True)
class RollbackPreview:
    app: App
    live: AppVersion
    target: AppVersion
    new_number: int  # the number the rollback's version would take
    identical: bool  # the target runs exactly what the live version runs
    added: list[str]  # functions and classes the rollback brings back
    removed: list[str]  # those it stops
    changed: list[FunctionChange]
    files: list[FileChange]
    restores: tuple[str, ...] = RESTORES
    does_not_restore: tuple[str, ...] = DOES_NOT_RESTORE
    standing_cost: Any = None  # billing.standing.StandingCost of the target: its idle cost


def preview_rollback(*, app: App, number: int | None) -> RollbackPreview:
    """What `app_rollback(app=app, number=number)` would change; the same errors, and nothing done."""
    from billing import standing

    live, target = rollback_target(app=app, number=number)
    live_functions = {f["name"]: f for f in live.spec.get("functions", [])}
    target_functions = {f["name"]: f for f in target.spec.get("functions", [])}
    images = _images([*live_functions.values(), *target_functions.values()])
    changed = []
    for name in sorted(live_functions.keys() & target_functions.keys()):
        change = _function_change(
            name, live_functions[name], target_functions[name], images, live=live, target=target
        )
        if change is not None:
            changed.append(change)
    return RollbackPreview(
        app=app,
        live=live,
        target=target,
        new_number=(app.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
        identical=live.spec_hash == target.spec_hash,
        added=sorted(target_functions.keys() - live_functions.keys()),
        removed=sorted(live_functions.keys() - target_functions.keys()),
        changed=changed,
        files=_file_changes(app, live, target, [*live_functions.values()], [*target_functions.values()]),
        standing_cost=standing.of_definitions(
            target_functions.values(), workspace_id=app.workspace_id, app_id=app.id
        ),
    )


# Functions ---------------------------------------------------------------------------------------


def _images(functions: list[dict[str, Any]]) -> dict[str, Image]:
    ids = {f["image_id"] for f in functions if f.get("image_id")}
    return {image.id: image for image in Image.objects.filter(id__in=ids)}


def _describe(step: dict[str, Any]) -> str:
    try:
        return describe_step(step)
    except (KeyError, TypeError):  # a step of a shape this server no longer makes
        return json.dumps(step, sort_keys=True)


def image_lines(image: Image | None) -> list[str]:
    """An image as its steps, one line each, base first (as build logs name them)."""
    if image is None:
        return []
    spec = image.spec or {}
    base = {"kind": "base", **{k: v for k, v in spec.items() if k not in ("steps", "mounts")}}
    lines = [_describe(base), *(_describe(step) for step in spec.get("steps") or [])]
    for mount in spec.get("mounts") or []:
        lines.append(f"add local files to {mount.get('target', '?')} ({str(mount.get('sha256', ''))[:12]})")
    return lines


def _fields(definition: dict[str, Any], images: dict[str, Image]) -> dict[str, Any]:
    """A function's definition as comparable fields: its image as steps, nested objects one level flat."""
    fields: dict[str, Any] = {}
    for key, value in definition.items():
        if key in _NOT_COMPARED:
            continue
        if key == "image_id":
            fields["image"] = image_lines(images.get(value))
            fields["image_id"] = value
        elif isinstance(value, dict) and value:
            for inner, inner_value in value.items():
                fields[f"{key}.{inner}"] = inner_value
        else:
            fields[key] = value
    return fields


def _lines(fields: dict[str, Any]) -> list[str]:
    lines = []
    for key in sorted(fields):
        value = fields[key]
        if key == "image":
            lines += [f"image: {step}" for step in value]
        else:
            lines.append(f"{key}: {json.dumps(value, sort_keys=True)}")
    return lines


def _category(field: str) -> str:
    return CATEGORIES.get(field) or field.split(".", 1)[0]


def _function_change(
    name: str,
    live_definition: dict[str, Any],
    target_definition: dict[str, Any],
    images: dict[str, Image],
    *,
    live: AppVersion,
    target: AppVersion,
) -> FunctionChange | None:
    before, after = _fields(live_definition, images), _fields(target_definition, images)
    changes = [
        FieldChange(field=key, category=_category(key), live=before.get(key), target=after.get(key))
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]
    if not changes:
        return None
    diff = _unified(
        _lines(before), _lines(after), f"v{live.number} (live) {name}", f"v{target.number} {name}"
    )
    return FunctionChange(name=name, changes=changes, diff=diff)


# Source files ------------------------------------------------------------------------------------


def _file_changes(
    app: App,
    live: AppVersion,
    target: AppVersion,
    live_functions: list[dict[str, Any]],
    target_functions: list[dict[str, Any]],
) -> list[FileChange]:
    hashes = {f["mount_sha256"] for f in [*live_functions, *target_functions] if f.get("mount_sha256")}
    contents = {
        sha: bytes(content)
        for sha, content in Mount.objects.filter(
            workspace_id=app.workspace_id, sha256__in=hashes
        ).values_list("sha256", "content")
    }
    before, after = _files(live_functions, contents), _files(target_functions, contents)
    changes = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old is not None and new is not None and old.digest == new.digest:
            continue
        change = "added" if old is None else "removed" if new is None else "modified"
        notes = {f.note for f in (old, new) if f is not None and f.text is None}
        if notes:
            changes.append(FileChange(path=path, change=change, binary=True, diff="", note=sorted(notes)[0]))
            continue
        diff = _unified(
            old.text.splitlines() if old is not None and old.text is not None else [],
            new.text.splitlines() if new is not None and new.text is not None else [],
            f"v{live.number}/{path}" if old is not None else "/dev/null",
            f"v{target.number}/{path}" if new is not None else "/dev/null",
        )
        changes.append(FileChange(path=path, change=change, binary=False, diff=diff))
    return changes


@dataclass(frozen=True)
class _File:
    digest: str
    text: str | None  # None: binary or too large
    note: str = ""


def _file(data: bytes) -> _File:
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_FILE_BYTES:
        return _File(digest, None, f"larger than {MAX_FILE_BYTES // 1024} KiB: not shown")
    if b"\x00" not in data:
        try:
            return _File(digest, data.decode())
        except UnicodeDecodeError:
            pass
    return _File(digest, None, "binary file")


def _files(functions: list[dict[str, Any]], contents: dict[str, bytes]) -> dict[str, _File]:
    """The files of the mounts the functions import from, by their path in the mount."""
    files: dict[str, _File] = {}
    for sha in sorted({f["mount_sha256"] for f in functions if f.get("mount_sha256")}):
        content = contents.get(sha, b"")
        try:
            with tarfile.open(fileobj=io.BytesIO(content), mode="r:") as tar:
                for member in tar.getmembers():
                    extracted = tar.extractfile(member) if member.isfile() else None
                    if extracted is not None:
                        files[member.name] = _file(extracted.read())
        except tarfile.TarError:  # not a tar: compared whole
            files[f"(mount {sha[:12]})"] = _file(content)
    return files


def _unified(before: list[str], after: list[str], fromfile: str, tofile: str) -> str:
    lines = list(difflib.unified_diff(before, after, fromfile, tofile, lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"… {len(lines) - MAX_DIFF_LINES} more lines not shown"]
    return "\n".join(lines)
