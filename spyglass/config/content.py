"""`content:` settings: which projects keep prompt and completion content, and how PII is redacted."""

from __future__ import annotations

from pydantic import Field, model_validator

from collector.normalise.redaction import KINDS, RedactionConfig
from spyglass.config.section import Section


class ContentSettings(Section):
    capture_projects: list[str] = Field(default_factory=list, description=(
        "Projects whose prompt/completion content is stored (after PII redaction); others have it stripped."))
    redaction_disabled: list[str] = Field(default_factory=list, description=(
        f"Built-in redaction kinds to turn off ({', '.join(KINDS)}; docs/redaction.md)."))
    redaction_patterns: dict[str, str] = Field(default_factory=dict, description=(
        "Extra redaction kinds, kind -> regular expression, applied after the built-in ones."))

    @model_validator(mode="after")
    def _valid_redaction(self) -> ContentSettings:
        self.redaction()  # an unknown kind or a pattern that does not compile is a ValueError
        return self

    def redaction(self) -> RedactionConfig:
        """The redaction these settings ask for (collected content and feedback comments)."""
        return RedactionConfig.from_settings(self.redaction_disabled, self.redaction_patterns)
