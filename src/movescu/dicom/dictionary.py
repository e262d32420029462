"""The data dictionary used for ``-k`` names, tag VRs and dump names.

Owns loading: pydicom's data dictionary is the base (so pydicom keywords always
work), then the files listed in ``DCMDICTPATH`` (``:``-separated, in order,
later entries override earlier ones) in DCMTK's ``dicom.dic`` format extend or
override names and VRs.  Parse errors are logged with DCMTK's texts
(``dcmdata/libsrc/dcdict.cc``).  Must not import pydicom at module import time.

DCMTK's notion of "no data dictionary loaded" (the last listed file could not be
read cleanly) is kept in :attr:`Dictionary.loaded` and logged with DCMTK's warning;
unlike DCMTK we keep pydicom's entries, so ``-k`` keys still work (see
``docs/differences.md``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

#: VR names DcmVR::setVR knows (standard ones plus DCMTK's internal ones)
VALID_VRS = frozenset(
    "AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL "
    "UN UR US UT UV ox px xs lt na up".split()
)
#: DCMTK-internal / pydicom multi-VRs -> the VR an element is created with
#: (DCMTK creates OW for ``ox``/``px``, as its dumps show)
CREATE_VR = {
    "xs": "US",
    "ox": "OW",
    "px": "OW",
    "lt": "OW",
    "up": "UL",
    "US or SS": "US",
    "OB or OW": "OW",
    "US or SS or OW": "US",
    "US or OW": "US",
    "NONE": "na",
}

_RANGE_EVEN, _RANGE_ODD, _RANGE_ANY = "e", "o", "u"


@dataclass(frozen=True)
class DictEntry:
    """One dictionary entry; ``vr`` is the VR elements are created with (``na``: none)."""

    tag: int
    vr: str
    name: str
    vm: str
    private_creator: str | None = None


@dataclass(frozen=True)
class _RangeEntry:
    """A repeating-group/element entry such as ``(6000-60FF,3000)``."""

    group: tuple[int, int, str]
    element: tuple[int, int, str]
    entry: DictEntry

    def contains(self, tag: int, private_creator: str | None) -> bool:
        if private_creator != self.entry.private_creator:
            return False
        return _in_range(tag >> 16, self.group) and _in_range(tag & 0xFFFF, self.element)


def _in_range(value: int, bounds: tuple[int, int, str]) -> bool:
    low, high, restriction = bounds
    if not low <= value <= high:
        return False
    if restriction == _RANGE_EVEN:
        return (value - low) % 2 == 0
    if restriction == _RANGE_ODD:
        return value % 2 == 1
    return True


class Dictionary:
    """Tag <-> name/VR lookups with DCMTK's rules for group lengths and private creators."""

    def __init__(self) -> None:
        self._tags: dict[tuple[int, str | None], DictEntry] = {}
        self._ranges: list[_RangeEntry] = []
        self._names: dict[str, DictEntry] | None = None
        #: pydicom keywords -> tag: they keep working when a DCMDICTPATH file renames
        #: the tag, and for retired attributes (named ``RETIRED_<keyword>``)
        self._aliases: dict[str, int] = {}
        #: DCMTK's ``isDictionaryLoaded()`` after reading DCMDICTPATH
        self.loaded = True

    def add_alias(self, keyword: str, tag: int) -> None:
        """Let ``lookup_name(keyword)`` find ``tag`` whatever the entry is named."""
        self._aliases[keyword] = tag

    def add(self, entry: DictEntry) -> None:
        """Add or replace a single-tag entry."""
        self._tags[(entry.tag, entry.private_creator)] = entry
        self._names = None

    def add_range(
        self, group: tuple[int, int, str], element: tuple[int, int, str], entry: DictEntry
    ) -> None:
        """Add a repeating entry; an equal range is replaced, a subset goes before its superset."""
        new = _RangeEntry(group, element, entry)
        for index, old in enumerate(self._ranges):
            if (old.group, old.element, old.entry.private_creator) == (
                group,
                element,
                entry.private_creator,
            ):
                self._ranges[index] = new
                break
            if _subset(new, old):
                self._ranges.insert(index, new)
                break
        else:
            self._ranges.append(new)
        self._names = None

    def lookup_tag(self, tag: int, private_creator: str | None = None) -> DictEntry | None:
        """Find the entry of ``tag`` (with ``private_creator`` for private dictionary entries)."""
        found = self._tags.get((tag, private_creator))
        if found is None and private_creator is not None:
            # private entries are keyed by the low byte of the element (xxee)
            for (key, creator), entry in self._tags.items():
                if creator == private_creator and key >> 16 == tag >> 16:
                    if key & 0xFF == tag & 0xFF:
                        return entry
        if found is not None:
            return found
        for item in self._ranges:
            if item.contains(tag, private_creator):
                return DictEntry(tag, item.entry.vr, item.entry.name, item.entry.vm)
        if private_creator is None:
            return _implicit_entry(tag)
        return None

    def lookup_name(self, name: str) -> DictEntry | None:
        """Find an entry by its exact (case-sensitive) name, standard entries first."""
        if self._names is None:
            names: dict[str, DictEntry] = {}
            privates: dict[str, DictEntry] = {}
            for item in reversed(self._ranges):
                names[item.entry.name] = item.entry
            for entry in self._tags.values():
                if entry.private_creator is None and (entry.tag >> 16) % 2 == 0:
                    names[entry.name] = entry
                else:
                    privates.setdefault(entry.name, entry)
            for key, entry in privates.items():
                names.setdefault(key, entry)
            self._names = names
        found = self._names.get(name)
        if found is None and name in self._aliases:
            found = self.lookup_tag(self._aliases[name])
        return found


def _subset(new: _RangeEntry, old: _RangeEntry) -> bool:
    return (
        old.group[0] <= new.group[0]
        and new.group[1] <= old.group[1]
        and old.element[0] <= new.element[0]
        and new.element[1] <= old.element[1]
    )


def _implicit_entry(tag: int) -> DictEntry | None:
    """Entries of DCMTK's skeleton and default dictionary that pydicom lacks.

    ``(gggg,0000)`` GenericGroupLength (skeleton); ``(0009-o-FFFF,0000)``
    PrivateGroupLength, ``(0001-o-0007,0000)`` IllegalGroupLength and
    ``(0009-o-FFFF,0010-u-00FF)`` PrivateCreator (``dicom.dic``).
    """
    group, element = tag >> 16, tag & 0xFFFF
    odd = group % 2 == 1
    if element == 0 and group != 0xFFFE:
        if odd:
            name = "PrivateGroupLength" if group >= 0x0009 else "IllegalGroupLength"
        else:
            name = "GenericGroupLength"
        return DictEntry(tag, "UL", name, "1")
    if odd and group >= 0x0009 and 0x0010 <= element <= 0x00FF:
        return DictEntry(tag, "LO", "PrivateCreator", "1")
    return None


def _pydicom_base() -> Dictionary:
    """Build the base dictionary from pydicom's (retired names get DCMTK's ``RETIRED_``)."""
    # pydicom's public home of its dictionaries (its docs extend them there)
    from pydicom.datadict import (  # type: ignore[attr-defined]
        DicomDictionary,
        RepeatersDictionary,
    )

    dictionary = Dictionary()
    for tag, (vr, vm, _description, retired, keyword) in DicomDictionary.items():
        if not keyword:
            continue
        name = f"RETIRED_{keyword}" if retired else keyword
        entry = DictEntry(tag, CREATE_VR.get(vr, vr), name, vm)
        dictionary.add(entry)
        dictionary.add_alias(keyword, tag)
    for mask, (vr, vm, _description, retired, keyword) in RepeatersDictionary.items():
        name = f"RETIRED_{keyword}" if retired else keyword
        group, element = _mask_range(mask[:4]), _mask_range(mask[4:])
        base = DictEntry(int(mask.replace("x", "0"), 16), CREATE_VR.get(vr, vr), name, vm)
        dictionary.add_range(group, element, base)
    return dictionary


def _mask_range(mask: str) -> tuple[int, int, str]:
    """pydicom repeater mask such as ``60xx`` -> range with DCMTK's even restriction."""
    low = int(mask.replace("x", "0"), 16)
    high = int(mask.replace("x", "F"), 16)
    return (low, high, _RANGE_EVEN if low != high else _RANGE_ANY)


# --------------------------------------------------------------------------- dicom.dic


def _vm_ok(vm: str) -> bool:
    # mirrors dcdict.cc parseVMField's sscanf cascade
    if m := re.match(r"[+-]?\d+-[+-]?\d+(\D)", vm):
        return m.group(1) in "nN"
    if re.match(r"[+-]?\d+-[+-]?\d+$", vm):
        return True
    if m := re.match(r"[+-]?\d+-(.)", vm):
        return m.group(1) in "nN"
    if m := re.match(r"[+-]?\d+(\D)", vm):
        return m.group(1) in "nN"
    if re.match(r"[+-]?\d+$", vm):
        return True
    return vm[:1] in ("n", "N")


def _parse_tag_part(text: str) -> tuple[int, int, str] | None:
    """``gggg``, ``gggg-gggg`` (even), ``gggg-o-gggg``/``-e-``/``-u-`` (dcdict.cc parseTagPart)."""
    text = re.sub(r"\s", "", text)
    if m := re.match(r"([0-9a-fA-F]+)-(.)-([0-9a-fA-F]+)", text):
        restriction = m.group(2).lower()
        if restriction not in "oeu":
            logger.error("DcmDataDictionary: Unknown range restrictor: %s", m.group(2))
            return None
        return (int(m.group(1), 16), int(m.group(3), 16), restriction)
    if m := re.match(r"([0-9a-fA-F]+)-([0-9a-fA-F]+)", text):
        return (int(m.group(1), 16), int(m.group(2), 16), _RANGE_EVEN)
    if m := re.match(r"([0-9a-fA-F]+)", text):
        value = int(m.group(1), 16)
        return (value, value, _RANGE_ANY)
    return None


def _parse_tag_field(
    text: str,
) -> tuple[tuple[int, int, str], tuple[int, int, str], str | None] | None:
    """``(gggg,eeee)`` with ranges, or ``(gggg,"CREATOR",xxee)`` (dcdict.cc parseWholeTagField)."""
    s = text.strip()
    if not s.startswith("(") or not s.endswith(")") or "," not in s:
        return None
    group_text, _, rest = s[1:].partition(",")
    rest = rest.lstrip()
    creator: str | None = None
    if rest.startswith('"'):
        end = rest.find('"', 1)
        if end < 0:
            return None
        creator = rest[1:end] or None
        rest = rest[end + 1 :].lstrip()
        if not rest.startswith(","):
            return None
        rest = rest[1:]
    element_text = rest.split(")", 1)[0]
    group = _parse_tag_part(group_text)
    element = _parse_tag_part(element_text)
    if group is None or element is None:
        return None
    return group, element, creator


def load_file(dictionary: Dictionary, filename: str) -> bool | None:
    """Load one ``dicom.dic``-format file into ``dictionary``.

    Returns True when every line was fine, False after a parse error (the good
    lines are still added, as in DCMTK), None when the file cannot be opened.
    """
    try:
        with open(filename, encoding="latin-1") as stream:
            lines = stream.read().split("\n")
    except OSError:
        logger.error("DcmDataDictionary: Cannot open file: %s", filename)
        return None
    logger.debug("DcmDataDictionary: Loading file: %s", filename)
    errors = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not _load_line(dictionary, filename, number, line):
            errors += 1
    return errors == 0


def _load_line(dictionary: Dictionary, filename: str, number: int, line: str) -> bool:
    fields = line.split("\t", 5)
    prefix = f"DcmDataDictionary: {filename}: "
    if len(fields) < 3:
        logger.error("%stoo few fields (line %d)", prefix, number)
        return False
    if len(fields) > 5:
        logger.error("%stoo many fields (line %d): ", prefix, number)
        return False
    ok = True
    vm = re.sub(r"\s", "", fields[3]) if len(fields) >= 4 else "1"
    if len(fields) >= 4 and not _vm_ok(vm):
        logger.error("%sbad VM field (line %d): %s", prefix, number, fields[3])
        ok = False
    tag = _parse_tag_field(fields[0])
    if tag is None:
        logger.error("%sbad Tag field (line %d): %s", prefix, number, fields[0])
        return False
    if not ok:
        return False
    vr = re.sub(r"\s", "", fields[1])
    name = re.sub(r"\s", "", fields[2])
    if vr[:2] not in VALID_VRS:
        logger.error("%sbad VR field (line %d): %s", prefix, number, vr)
        return False
    vr = CREATE_VR.get(vr[:2], vr[:2])
    (glo, ghi, grest), (elo, ehi, erest), creator = tag
    entry = DictEntry(((glo & 0xFFFF) << 16) | (elo & 0xFFFF), vr, name, vm, creator)
    if glo == ghi and elo == ehi:
        dictionary.add(entry)
    else:
        dictionary.add_range((glo, ghi, grest), (elo, ehi, erest), entry)
    return True


#: the dictionary of this run (DCMTK's global ``dcmDataDict``), for dump names
_active: Dictionary | None = None


def active_dictionary() -> Dictionary | None:
    """The dictionary the last :func:`load_dictionary` built (None before the first)."""
    return _active


def set_active_dictionary(dictionary: Dictionary | None) -> None:
    """Replace the run's dictionary (tests reset it to None)."""
    global _active
    _active = dictionary


def load_dictionary(environ: Mapping[str, str]) -> Dictionary:
    """Build the dictionary for a run: pydicom's, extended by ``DCMDICTPATH`` files.

    Parameters
    ----------
    environ : Mapping
        The process environment; only ``DCMDICTPATH`` is read.

    Returns
    -------
    Dictionary
        With ``loaded`` False when DCMTK would say "no data dictionary loaded"
        (then ``W: no data dictionary loaded, check environment variable:
        DCMDICTPATH`` has been logged).  It also becomes the
        :func:`active_dictionary` whose names the dumps print, as DCMTK's global
        dictionary does.
    """
    dictionary = _pydicom_base()
    set_active_dictionary(dictionary)
    path = environ.get("DCMDICTPATH", "")
    if not path:
        return dictionary  # DCMTK's default dictionary: pydicom's stands in for it
    # dcdict.cc: each loadDictionary() that opens its file sets the "loaded"
    # state; a file that cannot be opened leaves it unchanged (initially False)
    loaded = False
    names = path.split(":")
    for name in names:
        if name or len(names) == 1:
            result = load_file(dictionary, name)
            if result is not None:
                loaded = result
    dictionary.loaded = loaded
    if not loaded:
        logger.warning("no data dictionary loaded, check environment variable: DCMDICTPATH")
    return dictionary
