"""DICOM and DCMTK tables and wording shared by every stage.

Owns what is written once and read everywhere: the storage SOP classes and
their file-name prefixes, the transfer-syntax lists per option, DCMTK's names
of UIDs, transfer syntaxes and statuses, DCMTK's condition and status texts,
the data dictionary, DCMTK-style dumps, DIMSE command-set and P-DATA-TF
codecs.  Must not import :mod:`movescu.net` or :mod:`movescu.output` (the
command line, the output stage and the run tracker read these tables without
starting the network stage), and must not touch pynetdicom's internals.
"""
