from enum import StrEnum

class TaskStatusEnum(StrEnum):
    FAILED = "failed"
    PENDING = "pending"
    RUNNING = "running"
    STARTING = "starting"
    STOPPED = "stopped"
    STOPPING = "stopping"

    def __str__(self) -> str:
        return str(self.value)
