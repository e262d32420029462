"""Our identity on the network and in files (DECISIONS rule 5).

Owns the Implementation Class UID and Implementation Version Name that every
association we request or accept announces, and that the writer puts into the
meta header of received files.  Never DCMTK's.  Must not import pydicom or
pynetdicom.
"""

from __future__ import annotations

#: ``2.25.`` + the decimal value of a random UUID generated once for this project.
IMPLEMENTATION_CLASS_UID = "2.25.92002745883015436779312736621699804357"

#: At most 16 characters (DICOM PS3.7 D.3.3.2.2); mirrors DCMTK's ``OFFIS_DCMTK_360`` style.
IMPLEMENTATION_VERSION_NAME = "MOVESCU_010"

__all__ = ["IMPLEMENTATION_CLASS_UID", "IMPLEMENTATION_VERSION_NAME"]
