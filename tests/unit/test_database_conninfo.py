"""The relay's and the fast path's pools reach the database as Django does: any password, and OPTIONS."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from django.conf import settings
from psycopg.conninfo import conninfo_to_dict

from config.database import conninfo

ODD = "it's a \\ 'quoted' pass word"


def _database(**overrides) -> dict:
    return {**settings.DATABASES["default"], **overrides}


def test_it_quotes_every_value_and_passes_libpq_options_through(monkeypatch):
    # given a password and options with quotes, backslashes and spaces, and Django's own pool option
    options = {"sslmode": "disable", "connect_timeout": 7, "application_name": ODD, "pool": {"max_size": 3}}
    monkeypatch.setitem(settings.DATABASES, "odd", _database(NAME="a db", PASSWORD=ODD, OPTIONS=options))
    # when
    parsed = conninfo_to_dict(conninfo("odd"))
    # then libpq reads back exactly what settings hold; Django's pool option is Django's alone
    assert parsed["password"] == ODD
    assert parsed["dbname"] == "a db"
    assert parsed["application_name"] == ODD
    assert parsed["sslmode"] == "disable"
    assert parsed["connect_timeout"] == "7"
    assert "pool" not in parsed


def test_it_refuses_an_option_libpq_does_not_know(monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "odd", _database(OPTIONS={"sslmdoe": "require"}))
    with pytest.raises(psycopg.ProgrammingError, match="sslmdoe"):
        conninfo("odd")


@pytest.fixture
def odd_role():
    """A role of the test PostgreSQL whose password has a quote, a backslash and spaces."""
    name = f"odd_{secrets.token_hex(4)}"
    admin = conninfo()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                psycopg.sql.Identifier(name), psycopg.sql.Literal(ODD)
            )
        )
    yield name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP ROLE {}").format(psycopg.sql.Identifier(name)))


def test_it_connects_as_a_role_whose_password_has_quotes(monkeypatch, odd_role):
    # given settings naming that role, with an option of libpq's
    monkeypatch.setitem(
        settings.DATABASES,
        "odd",
        _database(USER=odd_role, PASSWORD=ODD, OPTIONS={"application_name": ODD, "pool": {}}),
    )
    # when a connection is opened with the string
    with psycopg.connect(conninfo("odd")) as conn:
        # then the server saw that role and that option, and libpq sent that password
        assert conn.execute("SELECT current_user").fetchone()[0] == odd_role
        assert conn.execute("SHOW application_name").fetchone()[0] == ODD
        assert conn.info.password == ODD
