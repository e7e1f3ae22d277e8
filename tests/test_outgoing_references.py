"""What a table's own references say it is (dcl/matching/outgoing_references.py): a table
holds a key to each table it references, so it is not what that table is; and a reference to
a table that clearly is an entity takes its table's key to that entity."""

from __future__ import annotations

import numpy as np
import pytest

from autonomos_pipelines.dcl.matching import table_references
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.foreign_keys import pointed_at
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.outgoing_references import (
    POINTING_LEAD,
    clearly,
    pointing_leads,
    spoken_for,
)
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import CLEAR_LEAD
from autonomos_pipelines.dcl.matching.table_references import REFERENCE_LEAD, reference_leads
from autonomos_pipelines.dcl.matching.targets import Target, TargetSchema

ENTITIES = {
    "person": "Persons: patients with their demographics.",
    "provider": "Providers: health care staff who care for patients.",
    "visit_occurrence": "Visits: the stays of a person at a hospital or care site, from "
    "admission to discharge.",
    "measurement": "Measurements: values measured of a person.",
}
TARGETS = [
    ("person", "person_id", "integer", "A unique identifier for each person."),
    ("person", "gender_source_value", "string", "The gender of the person as in the source."),
    ("person", "birth_datetime", "datetime", "The date and time of birth of the person."),
    ("provider", "provider_id", "integer", "A unique identifier for each provider."),
    ("provider", "provider_name", "string", "The name of the provider."),
    ("provider", "specialty_source_value", "string", "The specialty of the provider."),
    ("visit_occurrence", "visit_occurrence_id", "integer", "A unique identifier for each stay "
     "of a person at a hospital or care site."),
    ("visit_occurrence", "person_id", "integer", "The person who is visiting."),
    ("visit_occurrence", "preceding_visit_occurrence_id", "integer", "The visit before."),
    ("visit_occurrence", "visit_start_datetime", "datetime", "When the person was admitted."),
    ("visit_occurrence", "visit_end_datetime", "datetime", "When the person was discharged."),
    ("measurement", "measurement_id", "integer", "A unique identifier for each measurement."),
    ("measurement", "person_id", "integer", "The person the measurement is of."),
    ("measurement", "provider_id", "integer", "The provider who made the measurement."),
    ("measurement", "visit_occurrence_id", "integer", "The visit during which it occurred."),
    ("measurement", "measurement_datetime", "datetime", "When the measurement was taken."),
    ("measurement", "value_as_number", "float", "The measured value as a number."),
]  # fmt: skip


def _schema() -> TargetSchema:
    return TargetSchema(tuple(Target(*target) for target in TARGETS), ENTITIES)


def _entity_of_targets(schema: TargetSchema) -> np.ndarray:
    return np.array([schema.entities.index(t.entity) for t in schema.targets])


def test_a_table_referencing_a_person_table_leans_to_what_has_a_key_to_a_person():
    schema = _schema()
    person, provider, visit, measurement = range(4)
    # table 0 (patients, rows 0-1) fits person; table 1 (ICU stays, rows 2-3) fits person
    # too on its fields, and its row 3 references table 0
    affinity = np.array([[3.0, 1.0, 1.0, 1.0], [2.5, 1.0, 2.4, 1.0]], dtype=np.float32)
    table_of_row = np.array([0, 0, 1, 1])
    leads = pointing_leads(
        affinity, _entity_of_targets(schema), pointed_at(schema), table_of_row, [(0, 3)]
    )
    assert leads[1, person] == 0.0  # a person has no key to a person
    assert leads[1, provider] == 0.0
    assert leads[1, visit] == leads[1, measurement] == POINTING_LEAD
    assert not leads[0].any()  # patients reference nothing
    # a visit referencing another visit (the one before) loses nothing as a visit
    visits = np.array([[1.0, 1.0, 3.0, 1.0], [1.0, 1.0, 2.0, 2.5]], dtype=np.float32)
    leads = pointing_leads(
        visits, _entity_of_targets(schema), pointed_at(schema), table_of_row, [(0, 3)]
    )
    assert leads[1, visit] == POINTING_LEAD and leads[1, measurement] == POINTING_LEAD
    assert leads[1, person] == 0.0


def test_only_a_table_clearly_an_entity_speaks_for_its_key():
    affinity = np.array([[3.0, 1.0, 1.0], [2.0, 1.5, 0.0], [1.0, 1.2, 0.9]], dtype=np.float32)
    assert clearly(affinity, [None, None, None]).tolist() == [True, False, False]
    assert clearly(affinity, [None, None, 1]).tolist() == [True, False, True]  # anchored
    assert affinity[0, 0] - affinity[0, 1] >= CLEAR_LEAD > affinity[1, 0] - affinity[1, 1]
    # table 3 (rows 3-5) references tables 0, 1 and 2; only 0 and 2 clearly are something
    decided, clear = np.array([0, 0, 1, 2]), np.array([True, False, True, False])
    found = [(0, 3), (1, 4), (2, 5)]
    table_of_row = np.array([0, 1, 2, 3, 3, 3])
    assert spoken_for(decided, clear, table_of_row, found) == {3: {0: 0, 2: 1}}


def _field(table: str, name: str, text: str, references: str | None = None, **kw) -> SourceField:
    kind = kw.pop("kind", "integer")
    return SourceField("hospital", table, name, kind, text, None, references=references, **kw)


FIELDS = [
    _field("PATIENTS", "SUBJECT_ID", "is unique to a patient", primary_key=True),
    _field("PATIENTS", "GENDER", "the genotypical sex of the patient", kind="string"),
    _field("PATIENTS", "DOB", "the date of birth of the patient", kind="timestamp"),
    _field("CAREGIVERS", "CGID", "a unique identifier for each caregiver", primary_key=True),
    _field("CAREGIVERS", "LABEL", "defines the type of caregiver", kind="string"),
    _field("ICUSTAYS", "ICUSTAY_ID", "identifies the patient's stay in the ICU", primary_key=True),
    _field("ICUSTAYS", "SUBJECT_ID", "is unique to a patient", "PATIENTS"),
    _field("ICUSTAYS", "INTIME", "when the patient was moved into the ICU", kind="timestamp"),
    _field("ICUSTAYS", "OUTTIME", "when the patient was moved out of the ICU", kind="timestamp"),
    _field("CHARTEVENTS", "SUBJECT_ID", "is unique to a patient", "PATIENTS"),
    _field("CHARTEVENTS", "CGID", "the caregiver who validated the value", "CAREGIVERS"),
    _field("CHARTEVENTS", "CHARTTIME", "when the value was charted", kind="timestamp"),
    _field("CHARTEVENTS", "VALUENUM", "the value measured, as a number", kind="float"),
]


@pytest.fixture(scope="module")
def matcher():
    return Matcher(_schema(), default_embedder())


def test_an_icu_stay_referencing_its_patient_is_no_person(matcher, monkeypatch):
    """An ICU stay's identifier and times read like a patient's; its reference to the
    patients says it is something with a key to a person. Without what its references say
    (the code before), it was decided a person."""
    _, decided = matcher.rank_tables(FIELDS)
    stays = decided["hospital", "ICUSTAYS"]
    assert stays.entity != "person"
    assert f"{stays.entity}.person_id" in _schema()
    assert "its references: SUBJECT_ID -> PATIENTS (person)" in stays.why
    monkeypatch.setattr(table_references, "pointing_leads", lambda a, *_: np.zeros_like(a))
    monkeypatch.setattr(table_references, "spoken_for", lambda *_: {})
    _, before = matcher.rank_tables(FIELDS)
    assert before["hospital", "ICUSTAYS"].entity == "person"


def test_a_reference_beside_one_to_a_clear_person_takes_another_key():
    """A chart's caregiver reads a little more as its person than as its provider; beside
    its reference to the patients, which clearly are persons, it is its provider."""
    schema = _schema()
    entity_of_targets, pointed = _entity_of_targets(schema), pointed_at(schema)
    fields = [
        _field("PATIENTS", "SUBJECT_ID", "a patient", primary_key=True),
        _field("CAREGIVERS", "CGID", "a caregiver", primary_key=True),
        _field("CHARTEVENTS", "SUBJECT_ID", "the patient", "PATIENTS"),
        _field("CHARTEVENTS", "CGID", "the caregiver", "CAREGIVERS"),
    ]
    person, provider = range(2)
    affinity = np.array(
        [[4.0, 1.0, 1.0, 1.0], [2.0, 2.1, 1.0, 1.0], [1.0, 1.0, 1.0, 3.0]], dtype=np.float32
    )
    scores = np.zeros((4, len(schema.targets)), dtype=np.float32)
    scores[3, schema.index_of("measurement.person_id")] = 0.9
    scores[3, schema.index_of("measurement.provider_id")] = 0.8
    table_of_row, found = np.array([0, 1, 2, 2]), [(0, 2), (1, 3)]
    spoken = spoken_for(affinity.argmax(axis=1), clearly(affinity, [None] * 3), table_of_row, found)
    assert spoken == {2: {0: person}}
    args = (schema, scores, affinity, entity_of_targets, pointed, fields, table_of_row, found)
    leads, said = reference_leads(*args, spoken)
    assert leads[1, provider] == REFERENCE_LEAD and leads[1, person] == 0.0
    assert said[1] == ["CHARTEVENTS.CGID as measurement.provider_id"]
    alone, _ = reference_leads(*args, {})  # without the patients' reference speaking
    assert alone[1, person] == REFERENCE_LEAD
    assert leads[0, person] == alone[0, person] == REFERENCE_LEAD  # the patients' own


def test_two_tables_that_clearly_are_persons_may_both_be_a_charts_people():
    schema = _schema()
    fields = [
        _field("PATIENTS", "SUBJECT_ID", "a patient", primary_key=True),
        _field("DONORS", "DONOR_ID", "a donor", primary_key=True),
        _field("CHARTEVENTS", "SUBJECT_ID", "the patient", "PATIENTS"),
        _field("CHARTEVENTS", "DONOR_ID", "the donor", "DONORS"),
    ]
    person = 0
    affinity = np.array(
        [[4.0, 1.0, 1.0, 1.0], [4.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 3.0]], dtype=np.float32
    )
    scores = np.zeros((4, len(schema.targets)), dtype=np.float32)
    scores[2:, schema.index_of("measurement.person_id")] = 0.9
    table_of_row, found = np.array([0, 1, 2, 2]), [(0, 2), (1, 3)]
    spoken = spoken_for(affinity.argmax(axis=1), clearly(affinity, [None] * 3), table_of_row, found)
    assert spoken == {2: {0: person, 1: person}}
    args = (schema, scores, affinity, _entity_of_targets(schema), pointed_at(schema), fields)
    leads, _ = reference_leads(*args, table_of_row, found, spoken)
    assert leads[0, person] == leads[1, person] == REFERENCE_LEAD
