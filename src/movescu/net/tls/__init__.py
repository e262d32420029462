"""DCMTK 3.7.0's TLS options on Python's :mod:`ssl`: contexts, profiles, cipher suites.

Owns building the client and server SSL contexts from ``TLSOptions``, the
dcmtls profiles and suite names, and turning handshake failures into dcmtls
condition texts.  Must not open associations or decide exit codes.
"""
