"""The error body of every API answer that is not a success (RFC 9457)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProblemField(BaseModel):
    model_config = ConfigDict(extra="allow")

    field: str = Field(description="Where: a body field as in the JSON (`kind`), or "
                       "`query.start`, `header.If-Match`")
    message: str


class Problem(BaseModel):
    """``application/problem+json``. Some problems carry more members: a 403
    names `role` and `required_role`, a 409 of a week lists its `findings`."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str
    errors: list[ProblemField] | None = Field(
        default=None, description="For invalid input: each bad field and why")
