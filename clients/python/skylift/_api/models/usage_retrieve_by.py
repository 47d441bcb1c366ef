from enum import StrEnum

class UsageRetrieveBy(StrEnum):
    APP = "app"
    ENVIRONMENT = "environment"
    FUNCTION = "function"
    RESOURCE = "resource"

    def __str__(self) -> str:
        return str(self.value)
