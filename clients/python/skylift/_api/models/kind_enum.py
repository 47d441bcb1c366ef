from enum import StrEnum

class KindEnum(StrEnum):
    MAP = "map"
    REMOTE = "remote"
    SPAWN = "spawn"

    def __str__(self) -> str:
        return str(self.value)
