from enum import StrEnum

class FunctionsMetricsRetrieveWindow(StrEnum):
    VALUE_0 = "1h"
    VALUE_1 = "24h"
    VALUE_2 = "6h"
    VALUE_3 = "7d"

    def __str__(self) -> str:
        return str(self.value)
