"""DICOM and DCMTK tables and wording shared by every stage: each protocol fact written once.

Owns what is written once and read everywhere:

* ``sop_classes``: the storage SOP classes and their file-name prefixes;
* ``contexts``: the transfer-syntax lists per option;
* ``dimse``: DIMSE constants with names (command fields, the "no data set"
  type, statuses, group 0000 tags) and the readers of a decoded command set;
* ``conditions``: DCMTK's condition texts (``0006:xxxx ...``);
* ``names``, ``messages``: DCMTK's names of UIDs, transfer syntaxes and
  statuses, its status texts, rejection lines, the association summary (one
  builder for both sides) and the A-ASSOCIATE / DIMSE dumps;
* ``dictionary``, ``dump``: the data dictionary and DCMTK-style data set dumps;
* ``commandset``: the one command-set codec (clean C-STORE-RQ and C-MOVE-RSP
  readers, the lenient reader of logged fields, the C-STORE-RSP encoder);
* ``pdata``: P-DATA-TF PDUs by hand and DCMTK's Max Send PDV.

Must not import :mod:`movescu.net` or :mod:`movescu.output` (the command line,
the output stage, the run tracker and the report read these tables without
starting the network stage; ``tests/unit/test_stage_imports.py`` checks it),
must not import pynetdicom at import time, and must not touch pynetdicom's
internals.
"""
