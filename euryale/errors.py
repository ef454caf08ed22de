"""Medusa's error model: a typed error that the HTTP layer turns into `{type, message, code?}`."""

from __future__ import annotations

from typing import Final


class MedusaErrorType:
    NOT_FOUND: Final = "not_found"
    INVALID_DATA: Final = "invalid_data"
    NOT_ALLOWED: Final = "not_allowed"
    UNAUTHORIZED: Final = "unauthorized"
    FORBIDDEN: Final = "forbidden"
    DUPLICATE_ERROR: Final = "duplicate_error"
    PAYMENT_AUTHORIZATION_ERROR: Final = "payment_authorization_error"
    CONFLICT: Final = "conflict"
    DATABASE_ERROR: Final = "database_error"
    UNEXPECTED_STATE: Final = "unexpected_state"
    INVALID_ARGUMENT: Final = "invalid_argument"


STATUS_BY_TYPE: Final[dict[str, int]] = {
    MedusaErrorType.NOT_FOUND: 404,
    MedusaErrorType.INVALID_DATA: 400,
    MedusaErrorType.NOT_ALLOWED: 400,
    MedusaErrorType.UNAUTHORIZED: 401,
    MedusaErrorType.FORBIDDEN: 403,
    MedusaErrorType.DUPLICATE_ERROR: 422,
    MedusaErrorType.PAYMENT_AUTHORIZATION_ERROR: 422,
    MedusaErrorType.CONFLICT: 409,
    MedusaErrorType.DATABASE_ERROR: 500,
    MedusaErrorType.UNEXPECTED_STATE: 500,
    MedusaErrorType.INVALID_ARGUMENT: 500,
}

CONFLICT_MESSAGE: Final = (
    "The request conflicted with another request. You may retry the request with the provided Idempotency-Key."
)


class MedusaError(Exception):
    """A business error with a Medusa error type; raised by modules, flows and handlers alike."""

    def __init__(self, type: str, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.code = code

    @property
    def status(self) -> int:
        return STATUS_BY_TYPE.get(self.type, 500)

    def body(self) -> dict[str, str]:
        """The JSON body Medusa answers for this error."""
        if self.type == MedusaErrorType.DUPLICATE_ERROR:
            return {"type": self.type, "code": self.code or "invalid_request_error", "message": self.message}
        if self.type == MedusaErrorType.CONFLICT:
            return {"type": self.type, "code": "invalid_state_error", "message": CONFLICT_MESSAGE}
        if self.type == MedusaErrorType.DATABASE_ERROR:
            return {"type": self.type, "code": "api_error", "message": self.message}
        if self.type not in STATUS_BY_TYPE:
            return {"type": "unknown_error", "code": "unknown_error", "message": "An unknown error occurred."}
        body = {"type": self.type, "message": self.message}
        if self.code:
            body["code"] = self.code
        return body


def not_found(message: str) -> MedusaError:
    return MedusaError(MedusaErrorType.NOT_FOUND, message)


def invalid_data(message: str, code: str | None = None) -> MedusaError:
    return MedusaError(MedusaErrorType.INVALID_DATA, message, code)


def not_allowed(message: str, code: str | None = None) -> MedusaError:
    return MedusaError(MedusaErrorType.NOT_ALLOWED, message, code)


def unauthorized(message: str = "Unauthorized") -> MedusaError:
    return MedusaError(MedusaErrorType.UNAUTHORIZED, message)


def duplicate(message: str) -> MedusaError:
    return MedusaError(MedusaErrorType.DUPLICATE_ERROR, message)


def conflict(message: str) -> MedusaError:
    return MedusaError(MedusaErrorType.CONFLICT, message)
