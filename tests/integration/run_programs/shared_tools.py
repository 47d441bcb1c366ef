"""An app of its own, included into app_include.py's app."""

import skylift as modal

tools = modal.App("run-shared-tools", image=modal.Image.debian_slim().env({"TOOLS_IMAGE": "tools"}))


@tools.function()
def shout(text: str) -> str:
    import os

    return f"{text.upper()}! ({os.environ.get('TOOLS_IMAGE')})"


@tools.cls()
class Counter:
    start: int = modal.parameter(default=0)

    @modal.method()
    def add(self, x: int) -> int:
        return self.start + x
