"""Write example C-MOVE query files, one per query model and level.

Usage: python make_examples.py [OUTDIR] [--from FILE] [--patient-id ID]
       [--study-uid UID] [--series-uid UID] [--sop-uid UID]

Writes into OUTDIR (default ``examples/queries``) the identifiers a C-MOVE
request needs at each level, as DICOM files (explicit VR little endian, with meta
header) that ``movescu`` reads as ``dcmfile-in``:

=======================  =================  =========================================
file                     model (option)     keys
=======================  =================  =========================================
patient-root-patient     patient root (-P)  PATIENT: PatientID
patient-root-study       patient root (-P)  STUDY: PatientID, StudyInstanceUID
patient-root-series      patient root (-P)  SERIES: + SeriesInstanceUID
patient-root-image       patient root (-P)  IMAGE: + SOPInstanceUID
study-root-study         study root (-S)    STUDY: StudyInstanceUID
study-root-series        study root (-S)    SERIES: StudyInstanceUID, SeriesInstanceUID
study-root-image         study root (-S)    IMAGE: + SOPInstanceUID
psonly-patient           patient/study (-O) PATIENT: PatientID
psonly-study             patient/study (-O) STUDY: PatientID, StudyInstanceUID
=======================  =================  =========================================

The key values come from ``--from FILE`` (a DICOM instance, e.g. one written by
``make_sample_data.py``), else from the options, else made-up defaults.  Prints
the written paths.  Nothing leaves the machine; the generated files are not part
of the repository.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

#: C-MOVE SOP classes per model (the MOVE context movescu uses for -P / -S / -O)
MOVE_SOP_CLASSES = {
    "patient-root": "1.2.840.10008.5.1.4.1.2.1.2",
    "study-root": "1.2.840.10008.5.1.4.1.2.2.2",
    "psonly": "1.2.840.10008.5.1.4.1.2.3.2",
}

#: the unique keys of each level, in hierarchy order
LEVEL_KEYS = {
    "PATIENT": ("PatientID",),
    "STUDY": ("PatientID", "StudyInstanceUID"),
    "SERIES": ("PatientID", "StudyInstanceUID", "SeriesInstanceUID"),
    "IMAGE": ("PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"),
}

#: (model, levels) as the DICOM standard allows them
MODEL_LEVELS = {
    "patient-root": ("PATIENT", "STUDY", "SERIES", "IMAGE"),
    "study-root": ("STUDY", "SERIES", "IMAGE"),
    "psonly": ("PATIENT", "STUDY"),
}


@dataclass(frozen=True)
class QueryFile:
    """One example: its file name stem, model and level."""

    model: str
    level: str

    @property
    def name(self) -> str:
        return f"{self.model}-{self.level.lower()}.dcm"

    def keys(self) -> tuple[str, ...]:
        """The unique keys sent at this level (study root has no patient level)."""
        keys = LEVEL_KEYS[self.level]
        return keys[1:] if self.model == "study-root" else keys


EXAMPLES: tuple[QueryFile, ...] = tuple(
    QueryFile(model, level) for model, levels in MODEL_LEVELS.items() for level in levels
)


def build_identifier(example: QueryFile, values: dict[str, str]) -> Dataset:
    """The C-MOVE identifier of ``example``, as a file data set with meta header."""
    ds = Dataset()
    ds.QueryRetrieveLevel = example.level
    for keyword in example.keys():
        setattr(ds, keyword, values[keyword])
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MOVE_SOP_CLASSES[example.model]
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[example.name, *values.values()])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds


def key_values(args: argparse.Namespace) -> dict[str, str]:
    """PatientID and the UIDs: from ``--from``, then the options, then defaults."""
    values = {
        "PatientID": "PAT001",
        "StudyInstanceUID": generate_uid(entropy_srcs=["movescu example study"]),
        "SeriesInstanceUID": generate_uid(entropy_srcs=["movescu example series"]),
        "SOPInstanceUID": generate_uid(entropy_srcs=["movescu example image"]),
    }
    if args.source is not None:
        instance = dcmread(args.source, stop_before_pixels=True)
        values.update({keyword: str(instance.get(keyword, values[keyword])) for keyword in values})
    given = {
        "PatientID": args.patient_id,
        "StudyInstanceUID": args.study_uid,
        "SeriesInstanceUID": args.series_uid,
        "SOPInstanceUID": args.sop_uid,
    }
    values.update({keyword: value for keyword, value in given.items() if value is not None})
    return values


def write_examples(outdir: Path, values: dict[str, str]) -> list[Path]:
    """Write every example query file into ``outdir`` (created if needed)."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for example in EXAMPLES:
        path = outdir / example.name
        build_identifier(example, values).save_as(path, enforce_file_format=True)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent / "queries"
    parser.add_argument("outdir", type=Path, nargs="?", default=default)
    parser.add_argument("--from", dest="source", type=Path, help="take the keys from this file")
    parser.add_argument("--patient-id")
    parser.add_argument("--study-uid")
    parser.add_argument("--series-uid")
    parser.add_argument("--sop-uid")
    args = parser.parse_args(argv)
    for path in write_examples(args.outdir, key_values(args)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
