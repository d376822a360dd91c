"""The base of every schema a client sends: what the API accepts, read strictly (SPEC §4)."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A request body: unknown fields are refused, surrounding whitespace is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
