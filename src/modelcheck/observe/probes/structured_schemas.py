"""The schema `structured-output` asks for, in its three kinds: pydantic, TypedDict, JSON schema.

One pet record in each kind, the same fields: four required (a string, an integer, a boolean, an
array of strings) and an optional string. No `from __future__ import annotations` here: langchain-core
0.3 reads a TypedDict's `Annotated` fields only when they are real objects, not strings.
"""

from typing import Annotated, Any

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

EXAMPLE = '{"name": "Rex", "legs": 4, "vaccinated": true, "tags": ["dog"]}'


class Pet(BaseModel):
    """A pet, as modelcheck's structured-output probe asks for it."""

    name: str = Field(description="the pet's name")
    legs: int = Field(description="how many legs it has")
    vaccinated: bool = Field(description="whether it is vaccinated")
    tags: list[str] = Field(description="words that describe it")
    nickname: str | None = Field(default=None, description="a nickname, if it has one")


class PetDict(TypedDict):
    """A pet, as modelcheck's structured-output probe asks for it."""

    name: Annotated[str, ..., "the pet's name"]
    legs: Annotated[int, ..., "how many legs it has"]
    vaccinated: Annotated[bool, ..., "whether it is vaccinated"]
    tags: Annotated[list[str], ..., "words that describe it"]
    nickname: Annotated[str | None, None, "a nickname, if it has one"]


PET_JSON_SCHEMA: dict[str, Any] = {
    "title": "pet_record",
    "description": "A pet, as modelcheck's structured-output probe asks for it.",
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "the pet's name"},
        "legs": {"type": "integer", "description": "how many legs it has"},
        "vaccinated": {"type": "boolean", "description": "whether it is vaccinated"},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "words that describe it"},
        "nickname": {"type": "string", "description": "a nickname, if it has one"},
    },
    "required": ["name", "legs", "vaccinated", "tags"],
}
SCHEMAS: dict[str, Any] = {"pydantic": Pet, "typeddict": PetDict, "json_schema": PET_JSON_SCHEMA}
