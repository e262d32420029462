"""The C-MOVE SCU: the main association, its requests, its responses and their log lines.

Owns requesting the association as DCMTK's movescu does, sending each C-MOVE,
reading its responses (``--cancel``, ``-pi``/``-pr``, message IDs, DIMSE
failures) and the ``-v``/``-d`` lines of that side.  Must not decide exit codes
(:mod:`movescu.retrieve` does), read query files, store objects, or reach into
pynetdicom's internals (:mod:`movescu.net.seams` does that for it).
"""
