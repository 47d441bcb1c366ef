"""The CLI's command group: Modal's commands it lacks answer "not supported yet"."""

from __future__ import annotations

import click

from ._unsupported import COMMANDS

__all__ = ["Group"]


class Group(click.Group):
    """A command group that answers Modal's commands it lacks with "not supported yet" (not
    "No such command"): the commands are listed in skylift._unsupported.COMMANDS."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple:
        name = args[0]
        if self.get_command(ctx, name) is None:
            feature = COMMANDS.get(" ".join([*ctx.command_path.split(" ")[1:], name]))
            if feature is not None:
                ctx.fail(feature.named(f"`{ctx.command_path} {name}`").message())
        return super().resolve_command(ctx, args)
