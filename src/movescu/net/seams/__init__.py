"""The fence: every use of pynetdicom's (and pydicom's) private or undocumented parts.

Nothing outside this package touches underscore names, swaps classes, copies
loops or patches modules of pynetdicom or pydicom (``tests/unit/test_fence.py``
enforces it).  Inside:

* :mod:`.hooks`: one named function per reach into an association (its
  socket, the guards' wrappers, its DUL/DIMSE/ACSE state, the request's spool
  file, the AE's server list), reading each attribute directly so a renamed
  one raises instead of a defence silently doing nothing;
* :mod:`.settings`: ``install(config, receiver=None) -> undo``, every
  process-wide change to pynetdicom and pydicom;
* :mod:`.accel`: the accelerator (event-driven reactors, the inline C-STORE
  path, the fast C-MOVE response reader).  Switched on only when pynetdicom's
  methods it copies or overrides match the recorded fingerprint; deleting the
  package leaves a slower program with the same behaviour.
* :mod:`.identifier`: ``send_c_move`` sends the identifier in DCMTK's encoding
  (pynetdicom's module-level ``encode``, swapped for the one call).
"""
