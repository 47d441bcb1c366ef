"""The compatibility table (docs/modal-compatibility.md) says the truth about every name of Modal's.

A "same" or "differs" name exists in Skylift; a "not yet" name refuses, when used, with an
InvalidError that names it and says it is not supported yet: never an AttributeError, a
TypeError, or nothing at all. No server is needed: what refuses does so before any request.
"""

from __future__ import annotations

import inspect
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

import skylift
import skylift.exception
from skylift import _unsupported
from skylift._app import App
from skylift._options import parse_options
from skylift._volume import FileEntry as VolumeFileEntry
from skylift.cli import cli

from . import modal_surface as surface
from .modal_surface import (
    COMMAND,
    DIFFERS,
    EXCEPTION,
    MEMBER,
    NOT_YET,
    OPTION,
    REMOVED,
    SAME,
    SURFACE,
    TOP_LEVEL,
    Row,
    Table,
)


def _ids(pairs: list[tuple[Table, Row]]) -> list[str]:
    return [f"{table.title}: {row.name}" for table, row in pairs]


def _checked(kind: str, *statuses: str) -> list[tuple[Table, Row]]:
    return [(t, r) for t, r in SURFACE.rows(kind) if r.status in statuses]


def _refuses(use, name: str) -> str:
    """`use()` raises InvalidError naming `name` and saying it is not supported yet; its message."""
    with pytest.raises(skylift.exception.InvalidError) as raised:
        use()
    message = str(raised.value)
    assert name in message, message
    assert "not supported yet" in message, message
    return message


# The document ------------------------------------------------------------------------------------


def test_it_documents_the_tables_the_data_makes():
    # given the document and the tables made from tests/unit/modal_surface.py
    doc = surface.DOC.read_text()
    shown = doc[doc.index(surface.BEGIN) : doc.index(surface.END) + len(surface.END)]
    # then they are the same
    assert shown == surface.render(), "run `.venv/bin/python -m tests.unit.modal_surface --write`"


def test_it_links_the_table_from_the_readme():
    readme = (surface.DOC.parents[1] / "README.md").read_text()
    assert "docs/modal-compatibility.md" in readme


def test_it_gives_every_row_a_status_and_every_name_one_row():
    rows = [(t.title, r.name) for t in SURFACE.tables for r in t.rows]
    assert len(rows) == len(set(rows))
    assert {r.status for t in SURFACE.tables for r in t.rows} == {SAME, DIFFERS, NOT_YET}


# Top-level names -----------------------------------------------------------------------------------


def test_it_exports_its_public_names_sorted_and_each_importable():
    for module in (skylift, skylift.exception):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            getattr(module, name)  # Client too: it is imported when first asked for


def _top(row: Row) -> object:
    return getattr(skylift, row.name.removesuffix("()"))


def _use_placeholder(obj: object) -> list:
    """Every way a program uses a name: make it, call it, decorate with it, read its attributes."""
    if isinstance(obj, ModuleType):
        return [lambda: obj.anything]
    if inspect.isclass(obj):
        return [obj, lambda: obj(name="x"), lambda: obj.from_name("x"), lambda: obj.create]
    return [obj, lambda: obj(lambda: None), lambda: obj(8000, label="x")]


@pytest.mark.parametrize(
    ("table", "row"), _checked(TOP_LEVEL, NOT_YET), ids=_ids(_checked(TOP_LEVEL, NOT_YET))
)
def test_it_refuses_every_top_level_name_skylift_lacks_by_name(table, row):
    # given the name, which exists (no AttributeError)
    obj = _top(row)
    # then every use of it refuses, naming it
    name = row.name.removesuffix("()")
    for use in _use_placeholder(obj):
        _refuses(use, name)
    # and a class can still be named in isinstance() and annotations
    if inspect.isclass(obj):
        assert not isinstance(object(), obj)


@pytest.mark.parametrize(
    ("table", "row"), _checked(TOP_LEVEL, SAME, DIFFERS), ids=_ids(_checked(TOP_LEVEL, SAME, DIFFERS))
)
def test_it_has_every_top_level_name_the_table_says_it_has(table, row):
    obj = _top(row)
    if isinstance(obj, ModuleType):  # a module Skylift has in part: what it has works
        assert obj.__all__, row.name
        for name in obj.__all__:
            assert _unsupported.feature_of(getattr(obj, name)) is None
    else:
        assert _unsupported.feature_of(obj) is None, f"{row.name} is a placeholder"


def test_it_lists_in_the_table_every_placeholder_the_sdk_exports():
    placeholders = {
        name
        for name in skylift.__all__
        if _unsupported.feature_of(getattr(skylift, name)) is not None
        and not (isinstance(getattr(skylift, name), ModuleType) and getattr(skylift, name).__all__)
    }
    documented = {r.name.removesuffix("()") for _, r in _checked(TOP_LEVEL, NOT_YET)}
    assert placeholders == documented


def test_it_imports_the_modules_skylift_has_in_part_as_modules():
    # when
    import skylift.billing
    from skylift.types import FileEntry

    # then
    assert FileEntry is VolumeFileEntry
    _refuses(lambda: skylift.billing.workspace_billing_report(), "billing.workspace_billing_report")
    _refuses(lambda: skylift.types.FunctionStats, "types.FunctionStats")


def test_it_keeps_private_and_dunder_probes_attribute_errors():
    # Python and libraries probe classes and modules for dunder names: those stay AttributeErrors
    assert not hasattr(skylift.Dict, "__wrapped__")
    assert not hasattr(skylift.Dict, "_fields")
    assert not hasattr(skylift.billing, "__path__")


# Members of Skylift's classes ------------------------------------------------------------------------

_app = App("compatibility-table")


@_app.function()
def _square(x: int) -> int:
    return x * x


@_app.cls()
class _Model:
    @skylift.method()
    def predict(self, x: int) -> int:
        return x


INSTANCES: dict[str, object] = {
    "App": _app,
    "Function": _square,
    "FunctionCall": skylift.FunctionCall("fc-compatibility"),
    "Cls": _Model,
    "Image": skylift.Image.debian_slim(),
    "Secret": skylift.Secret.from_dict({}),
    "Volume": skylift.Volume.from_name("compatibility"),
}
CLASSES: dict[str, type] = {
    "App": App,
    "Function": skylift.Function,
    "FunctionCall": skylift.FunctionCall,
    "Cls": skylift.Cls,
    "Image": skylift.Image,
    "Secret": skylift.Secret,
    "Volume": skylift.Volume,
    "Client": skylift.Client,
}


def _member_rows(*statuses: str) -> list[tuple[Table, Row]]:
    return _checked(MEMBER, *statuses)


@pytest.mark.parametrize(("table", "row"), _member_rows(NOT_YET), ids=_ids(_member_rows(NOT_YET)))
def test_it_refuses_every_member_skylift_lacks_by_name(table, row):
    name = surface.member_name(row)
    shown = row.name.removesuffix("()")
    on_class = lambda: getattr(CLASSES[table.owner], name)  # noqa: E731
    if row.name.endswith("()"):
        # a method: found (hasattr is true), and refuses when called, on the class and on an instance
        _refuses(lambda: on_class()("x"), shown)
        if table.owner in INSTANCES:
            _refuses(lambda: getattr(INSTANCES[table.owner], name)(), shown)
    else:
        # a property: refuses when read
        _refuses(on_class, shown)
        if table.owner in INSTANCES:
            _refuses(lambda: getattr(INSTANCES[table.owner], name), shown)


@pytest.mark.parametrize(("table", "row"), _member_rows(SAME, DIFFERS), ids=_ids(_member_rows(SAME, DIFFERS)))
def test_it_has_every_member_the_table_says_it_has(table, row):
    found = getattr(INSTANCES.get(table.owner, CLASSES[table.owner]), surface.member_name(row))
    assert _unsupported.feature_of(found) is None, f"{row.name} is a placeholder"


def test_it_lists_in_the_table_every_member_the_sdk_refuses():
    documented = {(t.owner, surface.member_name(r)) for t, r in _member_rows(NOT_YET)}
    refused = {(owner, name) for owner, names in _unsupported.MEMBERS.items() for name in names}
    assert documented == refused


def test_it_never_hides_a_member_a_class_defines_itself():
    # A placeholder is only put where the class has nothing: a real method, once written, wins.
    for owner, names in _unsupported.MEMBERS.items():
        for name in names:
            found = next(k for k in CLASSES[owner].__mro__ if name in vars(k))
            assert isinstance(vars(found)[name], _unsupported._Member), (
                f"{owner}.{name} exists: drop it from MEMBERS"
            )


# Options of @app.function and @app.cls --------------------------------------------------------------


def _sample(option: _unsupported.Option) -> object:
    """A value that asks for the feature (not Modal's default)."""
    return True if False in option.defaults else "x"


def _decorate(kind: str, **options):
    app = App("options")
    if kind == "function":
        return app.function(**options)(lambda: None)
    return app.cls(**options)(type("Model", (), {"run": skylift.method()(lambda self: None)}))


@pytest.mark.parametrize(("table", "row"), _checked(OPTION, NOT_YET), ids=_ids(_checked(OPTION, NOT_YET)))
@pytest.mark.parametrize("kind", ["function", "cls"])
def test_it_refuses_every_option_skylift_lacks_when_the_decorator_runs(table, row, kind):
    option = _unsupported.OPTIONS[row.name]
    # when the option asks for something: refused, by name, where the decorator is written
    _refuses(lambda: _decorate(kind, **{row.name: _sample(option)}), f"{row.name}=")
    # and given Modal's default value, which asks for nothing, it is accepted
    for default in option.defaults:
        _decorate(kind, **{row.name: default})


@pytest.mark.parametrize(("table", "row"), _checked(OPTION, NOT_YET), ids=_ids(_checked(OPTION, NOT_YET)))
def test_it_refuses_them_in_with_options_too(table, row):
    option = _unsupported.OPTIONS[row.name]
    _refuses(lambda: _Model.with_options(**{row.name: _sample(option)}), f"{row.name}=")


@pytest.mark.parametrize(("table", "row"), _checked(REMOVED, SAME), ids=_ids(_checked(REMOVED, SAME)))
def test_it_refuses_the_options_modal_removed_naming_what_to_write(table, row):
    with pytest.raises(skylift.exception.InvalidError) as raised:
        _decorate("function", **{row.name: 1})
    assert (
        str(raised.value)
        == f"The option {row.name}= was removed in Modal 1.0: {_unsupported.OPTIONS[row.name].removed}"
    )
    assert "use " in str(raised.value)


def test_it_accepts_the_options_it_documents_as_accepted():
    accepted = {name for name, option in _unsupported.OPTIONS.items() if option.accepted}
    documented = {r.name for _, r in _checked(OPTION, DIFFERS) if r.name in _unsupported.OPTIONS}
    assert accepted == documented == {"nonpreemptible"}
    _decorate("function", nonpreemptible=True)
    _decorate("cls", nonpreemptible=False)


def _taken() -> set[str]:
    """The options Skylift's decorators take themselves."""
    return set(inspect.signature(parse_options).parameters) | set(inspect.signature(App.function).parameters)


@pytest.mark.parametrize(
    ("table", "row"), _checked(OPTION, SAME, DIFFERS), ids=_ids(_checked(OPTION, SAME, DIFFERS))
)
def test_it_takes_every_option_the_table_says_it_takes(table, row):
    option = _unsupported.OPTIONS.get(row.name)
    assert row.name in _taken() or (option is not None and option.accepted)


def test_it_lists_in_the_table_every_option_the_sdk_refuses():
    refused = {n for n, o in _unsupported.OPTIONS.items() if not o.accepted and not o.removed}
    removed = {n for n, o in _unsupported.OPTIONS.items() if o.removed}
    assert refused == {r.name for _, r in _checked(OPTION, NOT_YET)}
    assert removed == {r.name for _, r in _checked(REMOVED, SAME)}
    assert not (set(_unsupported.OPTIONS) & _taken()), (
        "an option the decorators take is still listed as refused"
    )


def test_it_still_refuses_an_option_modal_does_not_have_either():
    with pytest.raises(skylift.exception.InvalidError, match="unexpected keyword argument 'gpus'"):
        _decorate("function", gpus="T4")


# The command line --------------------------------------------------------------------------------


def _resolve(path: str) -> click.Command | None:
    command: click.Command | None = cli
    for name in path.split():
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)
        if command is None:
            return None
    return command


@pytest.mark.parametrize(("table", "row"), _checked(COMMAND, NOT_YET), ids=_ids(_checked(COMMAND, NOT_YET)))
def test_it_answers_every_command_skylift_lacks_that_it_is_not_supported_yet(table, row):
    # when
    ran = CliRunner().invoke(cli, [*row.name.split(), "app.py"], prog_name="modal")
    # then a usage error naming the command, as the program was called
    assert ran.exit_code == 2, ran.output
    assert f"`modal {row.name}` is not supported yet by Skylift" in ran.output
    assert "No such command" not in ran.output


@pytest.mark.parametrize(
    ("table", "row"), _checked(COMMAND, SAME, DIFFERS), ids=_ids(_checked(COMMAND, SAME, DIFFERS))
)
def test_it_has_every_command_the_table_says_it_has(table, row):
    assert _resolve(row.name) is not None


def test_it_lists_in_the_table_every_command_the_cli_refuses():
    assert set(_unsupported.COMMANDS) == {r.name for _, r in _checked(COMMAND, NOT_YET)}
    assert all(_resolve(path) is None for path in _unsupported.COMMANDS)


def test_it_still_says_no_such_command_for_a_name_modal_does_not_have_either():
    ran = CliRunner().invoke(cli, ["frobnicate"])
    assert ran.exit_code == 2
    assert "No such command 'frobnicate'" in ran.output


# modal.exception ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "row"), _checked(EXCEPTION, SAME, DIFFERS), ids=_ids(_checked(EXCEPTION, SAME, DIFFERS))
)
def test_it_has_every_exception_of_modal(table, row):
    found = getattr(skylift.exception, row.name)
    assert issubclass(found, BaseException)
    assert row.name in skylift.exception.__all__


def test_it_refuses_the_exception_module_functions_skylift_lacks():
    for _, row in _checked(EXCEPTION, NOT_YET):
        _refuses(lambda row=row: getattr(skylift.exception, row.name.removesuffix("()"))(1), row.name[:-2])


# Keyword arguments of other methods ----------------------------------------------------------------

KEYWORDS = [
    (owner, method, name)
    for owner, methods in _unsupported.KEYWORDS.items()
    for method, names in methods.items()
    for name in names
]
RECEIVERS: dict[str, object] = {
    "App": _app,
    "Image": skylift.Image.debian_slim(),
    "Volume": INSTANCES["Volume"],
}


@pytest.mark.parametrize(("owner", "method", "name"), KEYWORDS, ids=[".".join(k) for k in KEYWORDS])
def test_it_refuses_every_keyword_of_modals_a_method_lacks_by_name(owner, method, name):
    option = _unsupported.KEYWORDS[owner][method][name]
    call = CLASSES[owner] if method == "__init__" else getattr(RECEIVERS[owner], method)
    _refuses(lambda: call(**{name: _sample(option)}), f"{name}=")


def test_it_accepts_those_keywords_given_modals_default():
    # when
    image = skylift.Image.debian_slim().pip_install("six", env=None).run_commands("true", env={}, volumes={})
    app = App("defaults", tags=None)
    volume = skylift.Volume.from_name("defaults", client=None, create_options=None)
    # then
    assert len(image._steps) == 2
    assert app.name == "defaults"
    assert volume.name == "defaults"


def test_it_documents_every_keyword_the_sdk_refuses():
    rows = {(t.owner, r.name): r for t in SURFACE.tables for r in t.rows}
    for owner, method, name in KEYWORDS:
        if method == "__init__":
            assert rows[(owner, f"{owner}({name}=...)")].status == NOT_YET
        else:
            assert rows[(owner, f"{owner}.{method}()")].status == DIFFERS
    assert "`env=`" in surface.render()
