"""Generate a small, synthetic CT study for demos and smoke tests.

Usage: python make_sample_data.py OUTDIR [--images N] [--size PIXELS]

Writes N CT images of one patient, one study, one series into OUTDIR as
``CT<k>.dcm`` and prints the StudyInstanceUID on stdout. Everything is made up:
no real patient data, no network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid


def make_ct(study_uid: str, series_uid: str, number: int, size: int) -> Dataset:
    """One synthetic CT image with a gradient as pixel data."""
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.PatientName = "DEMO^PATIENT"
    ds.PatientID = "DEMO001"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study_uid
    ds.StudyID = "1"
    ds.StudyDate = "20260101"
    ds.StudyTime = "120000"
    ds.AccessionNumber = "DEMOACC1"
    ds.ReferringPhysicianName = ""
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = 1
    ds.Modality = "CT"
    ds.InstanceNumber = number
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = size
    ds.Columns = size
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.PixelData = bytes((x + number) % 256 for x in range(size * size)) * 2
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--images", type=int, default=5)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    study_uid, series_uid = generate_uid(), generate_uid()
    for k in range(1, args.images + 1):
        make_ct(study_uid, series_uid, k, args.size).save_as(
            args.outdir / f"CT{k}.dcm", enforce_file_format=True
        )
    print(study_uid)


if __name__ == "__main__":
    main()
