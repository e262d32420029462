"""The fence: every use of pynetdicom's (and pydicom's) private or undocumented parts.

Nothing outside this package touches underscore names, swaps classes, copies
loops or patches modules of pynetdicom or pydicom (``tests/unit/test_fence.py``
enforces it).  Inside:

* :mod:`.accel`: the accelerator (event-driven reactors, the inline C-STORE
  path, the fast C-MOVE response reader).  Switched on only when pynetdicom's
  methods it copies or overrides match the recorded fingerprint; deleting the
  package leaves a slower program with the same behaviour.
* :mod:`.identifier`: ``send_c_move`` sends the identifier in DCMTK's encoding
  (pynetdicom's module-level ``encode``, swapped for the one call).
"""
