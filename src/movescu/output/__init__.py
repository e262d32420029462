"""Output stage: what happens to received objects.

``naming`` (pure: file names), ``encoding`` (pure: parsing a received data set
and the bytes of the output file), ``writer`` (the only code that writes files,
atomically) and ``store`` (the per-C-STORE flow that ties them together and
returns the DIMSE status).  Importing this package imports neither pydicom nor
pynetdicom.
"""
