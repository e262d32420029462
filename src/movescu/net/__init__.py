"""The network stage: transfer-syntax lists, the C-MOVE SCU and the Storage SCP.

Modules here import pynetdicom lazily or are only imported when the network stage
runs; importing :mod:`movescu.net` itself stays cheap.
"""

from __future__ import annotations
