"""The local cloud: an offline stand-in for one AWS account and region.

``python -m helpers.local_cloud [--port N]`` runs it in the foreground. Notebooks never
import this package directly: ``helpers.target`` joins or starts it.
"""

from .server import ACCOUNT_ID, REGION, SERVICES, LocalCloud, PortInUseError

__all__ = ["ACCOUNT_ID", "REGION", "SERVICES", "LocalCloud", "PortInUseError"]
