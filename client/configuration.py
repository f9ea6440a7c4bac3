"""The client's view of the service's configuration: GET /api/v1/settings. `ApiClient` (client/api.py) mixes it in;
its endpoint table includes `CONFIGURATION_ENDPOINTS`."""

from __future__ import annotations

from typing import Any

from client.endpoint import Endpoint
from client.models.settings import ServiceSettings
from client.transport import Transport

SETTINGS = Endpoint("GET", "/api/v1/settings", ServiceSettings)
CONFIGURATION_ENDPOINTS: tuple[Endpoint[Any], ...] = (SETTINGS,)


class ConfigurationCalls(Transport):
    def settings(self) -> ServiceSettings:
        """The service's effective configuration, secret-free. The route takes an admin key when keys are
        configured (it describes the deployment), so this read goes with the admin key when the client has one."""
        return self._parse(SETTINGS, self._request(SETTINGS, [], headers=self._admin or None))
