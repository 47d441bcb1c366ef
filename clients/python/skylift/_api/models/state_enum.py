from enum import StrEnum

class StateEnum(StrEnum):
    DEPLOYED = "deployed"
    EPHEMERAL = "ephemeral"
    STOPPED = "stopped"

    def __str__(self) -> str:
        return str(self.value)
