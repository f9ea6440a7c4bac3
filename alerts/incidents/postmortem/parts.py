"""The pieces the post-mortem's sections are made of, as both templates read them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """An editable field: what its authors wrote, or (empty) the prompt that asks for it."""

    text: str
    prompt: str

    @property
    def empty(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
