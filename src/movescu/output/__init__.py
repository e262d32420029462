"""Output stage: what happens to received objects.

``naming`` (pure: file names), ``encoding`` (pure: parsing a received data set
and the bytes of the output file), ``receive`` and ``spoolmeta`` (the spool
file a data set is received into, from creation to rename or deletion),
``writer`` (writes every other file, atomically: objects and the ``--report``)
and ``store`` (the per-C-STORE flow that ties them together and returns the
DIMSE status).  Nothing here imports pynetdicom; importing this package imports
neither pydicom nor pynetdicom.
"""
