"""Lab results from the hospital: FHIR R4 Observations → `alter-screening/1` lab rows.

The contract is ``shared/spec/fhir-labs.md``. Plain Python like ``screening/rules`` (an
import-linter contract forbids Django here): the command line and the web pages give it
today's date, the time zone and what the screening already holds.

- :mod:`screening.fhir.tables`: the spec's LOINC and unit tables, as data;
- :mod:`screening.fhir.reading`: a FHIR JSON input parsed by ``fhir.resources`` (its R4B
  models read R4 Observations), or refused with the JSON Pointer of each error;
- :mod:`screening.fhir.labs`: candidates, skip reasons, units, dates, ULN, identity, and
  the ``alter-fhir-labs/1`` output document;
- :mod:`screening.fhir.server`: the same input fetched from a FHIR server (fhirpy).
"""
