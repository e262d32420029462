"""Small generated DICOM test objects with a patient/study/series hierarchy.

Owns the test data of the SCU tests: tiny CT, MR and SC images written with
pydicom (explicit VR little endian, with meta header), and a description of the
hierarchy so tests can ask for "the objects of study X".  Writes only below the
directory it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"
_MODALITY = {CT_IMAGE: "CT", MR_IMAGE: "MR", SC_IMAGE: "OT"}
_PREFIX = "1.2.826.0.1.3680043.8.498."


@dataclass(frozen=True)
class Instance:
    """One generated object and where it sits in the hierarchy."""

    path: Path
    patient_id: str
    study_uid: str
    series_uid: str
    sop_class_uid: str
    sop_instance_uid: str


@dataclass(frozen=True)
class Collection:
    """All generated objects; helpers select by hierarchy level."""

    instances: tuple[Instance, ...]

    def of_patient(self, patient_id: str) -> list[Instance]:
        return [i for i in self.instances if i.patient_id == patient_id]

    def of_study(self, study_uid: str) -> list[Instance]:
        return [i for i in self.instances if i.study_uid == study_uid]

    def of_series(self, series_uid: str) -> list[Instance]:
        return [i for i in self.instances if i.series_uid == series_uid]

    @property
    def paths(self) -> list[Path]:
        return [i.path for i in self.instances]

    @property
    def sop_instance_uids(self) -> set[str]:
        return {i.sop_instance_uid for i in self.instances}


def make_image(
    sop_class_uid: str,
    patient_id: str,
    study_uid: str,
    series_uid: str,
    number: int,
    rows: int = 8,
) -> Dataset:
    """Build one tiny image object (uncompressed 8-bit monochrome pixel data)."""
    ds = Dataset()
    ds.SOPClassUID = sop_class_uid
    ds.SOPInstanceUID = generate_uid(prefix=_PREFIX)
    ds.StudyDate = "20240102"
    ds.StudyTime = "101500"
    ds.AccessionNumber = f"ACC{patient_id}"
    ds.Modality = _MODALITY[sop_class_uid]
    ds.PatientName = f"Test^{patient_id}"
    ds.PatientID = patient_id
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = number
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = rows
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = bytes((number + k) % 256 for k in range(rows * rows))
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class_uid
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds


def write_collection(
    directory: Path,
    patients: int = 2,
    studies_per_patient: int = 2,
    series_per_study: int = 2,
    images_per_series: int = 2,
) -> Collection:
    """Write a hierarchy of images to ``directory`` (created if needed).

    Series alternate CT, MR and SC so several storage SOP classes take part.
    """
    directory.mkdir(parents=True, exist_ok=True)
    classes = (CT_IMAGE, MR_IMAGE, SC_IMAGE)
    made: list[Instance] = []
    count = 0
    for p in range(patients):
        patient_id = f"PAT{p + 1:03d}"
        for _s in range(studies_per_patient):
            study_uid = generate_uid(prefix=_PREFIX)
            for _r in range(series_per_study):
                series_uid = generate_uid(prefix=_PREFIX)
                sop_class = classes[len({i.series_uid for i in made}) % len(classes)]
                for n in range(images_per_series):
                    ds = make_image(sop_class, patient_id, study_uid, series_uid, n + 1)
                    count += 1
                    path = directory / f"obj{count:04d}.dcm"
                    ds.save_as(path, enforce_file_format=True)
                    made.append(
                        Instance(
                            path, patient_id, study_uid, series_uid, sop_class, ds.SOPInstanceUID
                        )
                    )
    return Collection(tuple(made))


def write_query(path: Path, level: str, **keys: str) -> Path:
    """Write a query file (with meta header) holding QueryRetrieveLevel and ``keys``."""
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for keyword, value in keys.items():
        setattr(ds, keyword, value)
    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.2.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid(prefix=_PREFIX)
    ds.file_meta = meta
    ds.save_as(path, enforce_file_format=True)
    return path
