"""Alerts: anomalies raised for regulators in the transaction of the record that shows them."""

from .models import Alert, AlertKind
from .service import raise_alert

__all__ = ["Alert", "AlertKind", "raise_alert"]
