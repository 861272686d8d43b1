"""The one error the contract raises for input that does not fit it."""

from __future__ import annotations


class ContractError(ValueError):
    """Input (bytes, JSON, a field value) that does not fit the MarsY contract.

    ``field`` names the dotted path of the first field at fault (``"<payload>"`` when the bytes
    are not JSON at all), so a dead-letter record or a REST 422 can say exactly what was wrong.
    """

    def __init__(self, field: str, reason: str, errors: int = 1) -> None:
        self.field = field
        self.reason = reason
        self.errors = errors
        more = f" (and {errors - 1} more)" if errors > 1 else ""
        super().__init__(f"{field}: {reason}{more}")
