"""movescu: a DICOM retrieve (C-MOVE) SCU with a co-hosted Storage SCP.

A faithful clone of DCMTK's ``movescu`` (see ``docs/differences.md`` for every
deviation).  This module must stay cheap to import: ``movescu --version`` and
``--help`` may not pull in pydicom or pynetdicom.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: The DCMTK release whose behaviour (options, messages, exit codes) we mirror.
DCMTK_VERSION = "3.6.7"

#: Where users report problems.
ISSUES_URL = "https://github.com/movescu/movescu/issues"

__all__ = ["__version__", "DCMTK_VERSION", "ISSUES_URL"]
