from enum import StrEnum

class BaseEnum(StrEnum):
    DEBIAN_SLIM = "debian_slim"
    FROM_DOCKERFILE = "from_dockerfile"
    FROM_REGISTRY = "from_registry"
    MICROMAMBA = "micromamba"

    def __str__(self) -> str:
        return str(self.value)
