from enum import StrEnum

class ScopeEnum(StrEnum):
    APP = "app"
    WORKSPACE = "workspace"

    def __str__(self) -> str:
        return str(self.value)
