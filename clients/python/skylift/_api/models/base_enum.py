from enum import StrEnum

class BaseEnum(StrEnum):
    DEBIAN_SLIM = "debian_slim"

    def __str__(self) -> str:
        return str(self.value)
