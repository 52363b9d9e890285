"""A repair issue an entry raises when something needs the user and clears when it is fixed."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


class RepairIssue:
    """One entry's issue of one kind: raised once while the problem lasts, cleared once."""

    def __init__(
        self,
        hass: HomeAssistant,
        translation_key: str,
        entry_id: str,
        severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
    ) -> None:
        self.hass = hass
        self.translation_key = translation_key
        self.issue_id = f"{translation_key}_{entry_id}"
        self.severity = severity
        self.raised = False

    @callback
    def async_raise(self, placeholders: dict[str, str]) -> None:
        if self.raised:
            return
        self.raised = True
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id,
            is_fixable=False,
            severity=self.severity,
            translation_key=self.translation_key,
            translation_placeholders=placeholders,
        )

    @callback
    def async_clear(self) -> bool:
        """Clear it; True if it was raised (the problem just ended)."""
        if not self.raised:
            return False
        self.raised = False
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        return True
