"""The base of every schema a client sends: what the API accepts, read strictly (SPEC §4).

One policy for every field of every request, in one place:

- numbers are JSON numbers: a string (``"3.5"``) or a boolean where a number is expected
  is refused, the same for masses, areas, years and counts;
- a string holds no C0 control character (NUL, tab, newline…), except free text
  (fields typed ``FreeText``: notes, reasons, findings), which may hold tab and newline;
- unknown fields are refused and surrounding whitespace is trimmed.

Nested schemas apply the policy to their own fields.
"""

import re
import types
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.fields import FieldInfo


class _FreeText:
    """Marks a string field whose text a person types freely: tab and newline are allowed."""

    def __repr__(self) -> str:
        return "FreeText"


FREE_TEXT = _FreeText()
FreeText = Annotated[str, FREE_TEXT]

Kind = Literal["number", "text", "free_text", "nested"]
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_BUT_TAB_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f]")
_NUMBERS = (int, float, Decimal)


def has_control(text: str, *, allow_tab_newline: bool = False) -> bool:
    """Whether ``text`` holds a C0 control character (tab and newline allowed when asked)."""
    return (_CONTROL_BUT_TAB_NEWLINE if allow_tab_newline else _CONTROL).search(text) is not None


def _leaves(annotation: Any) -> list[Any]:
    """The plain types inside an annotation (through Optional, unions, Annotated, lists, dicts)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _leaves(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, dict, tuple, set, frozenset):
        return [leaf for arg in get_args(annotation) for leaf in _leaves(arg)]
    return [annotation]


def _marked_free(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        return FREE_TEXT in metadata or _marked_free(base)
    return any(_marked_free(arg) for arg in get_args(annotation))


def field_kind(info: FieldInfo) -> Kind:
    """How the policy reads a field."""
    leaves = [leaf for leaf in _leaves(info.annotation) if leaf is not type(None)]
    if any(isinstance(leaf, type) and issubclass(leaf, BaseModel) for leaf in leaves):
        return "nested"
    if leaves and all(isinstance(leaf, type) and issubclass(leaf, _NUMBERS) and leaf is not bool for leaf in leaves):
        return "number"
    if FREE_TEXT in info.metadata or _marked_free(info.annotation):
        return "free_text"
    return "text"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def check_input(value: Any, kind: Kind) -> Any:
    """Apply the policy to one field's raw value; raises ``ValueError`` saying what is wrong."""
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("must be a JSON number, not true or false")
        if isinstance(value, str):
            raise ValueError('must be a JSON number, not a string: write 3.5, not "3.5"')
    elif kind != "nested":
        free = kind == "free_text"
        if any(has_control(s, allow_tab_newline=free) for s in _strings(value)):
            raise ValueError(
                "must not hold control characters other than tab and newline"
                if free
                else "must not hold control characters (NUL, tab, newline…)"
            )
    return value


class Strict(BaseModel):
    """A request body read by the policy above."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    _kinds: ClassVar[dict[str, Kind]]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._kinds = {name: field_kind(info) for name, info in cls.model_fields.items()}

    @field_validator("*", mode="before")
    @classmethod
    def _input_policy(cls, value: Any, info: ValidationInfo) -> Any:
        return check_input(value, cls._kinds.get(info.field_name or "", "text"))
