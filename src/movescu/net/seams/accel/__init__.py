"""The accelerator: pynetdicom's receive path made event-driven and pydicom-free where clean.

Every class here copies or overrides a method of pynetdicom 3.0; the
fingerprint of those methods decides whether it is used at all.  Must not
change what is sent, accepted, logged or stored: only how fast.
"""
