"""The co-hosted Storage SCP (``+P``): server, event handlers, receive statistics, log lines.

Owns accepting the C-MOVE sub-associations, negotiating them, answering
C-ECHO and C-STORE (each received data set handed to :mod:`movescu.output`,
which owns every file), DCMTK's lines and ``RECV:`` dots of that side, and a
stop that never hangs.  Must not create files, know the C-MOVE association,
or reach into pynetdicom's internals (:mod:`movescu.net.seams` does that for it).
"""
