from enum import StrEnum

class TypeEnum(StrEnum):
    EVENT = "event"
    LINE = "line"

    def __str__(self) -> str:
        return str(self.value)
