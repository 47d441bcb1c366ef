from enum import StrEnum

class BuildStepStatusEnum(StrEnum):
    BUILT = "built"
    CACHED = "cached"
    FAILED = "failed"
    PENDING = "pending"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
