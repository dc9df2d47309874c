import pytest

from painpath.core.diagnoses import SKS_CODE, DiagnosisError, load_value_set, parse_value_set


def test_the_value_set_loads_with_its_sources_and_what_was_not_verified():
    value_set = load_value_set()
    assert len(value_set.diagnoses) >= 30
    assert any("Sundhedsdatastyrelsen" in source for source in value_set.sources)
    assert "NOT" in value_set.not_verified


def test_every_code_is_a_well_formed_sks_code_listed_once():
    codes = load_value_set().codes()
    assert all(SKS_CODE.match(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_low_back_pain_is_dm54_5_laendesmerter():
    diagnosis = load_value_set().get("DM54.5")
    assert (diagnosis.icd10, diagnosis.label("da"), diagnosis.label("en")) == (
        "M54.5",
        "Lændesmerter",
        "Low back pain",
    )


def test_the_us_only_g89_codes_are_not_offered():
    assert not [code for code in load_value_set().codes() if code.startswith("DG89")]


def test_an_unknown_code_is_refused_by_name():
    with pytest.raises(DiagnosisError, match=r"DZ99\.9"):
        load_value_set().get("DZ99.9")


@pytest.mark.parametrize("code", ["M54.5", "DM545X", "dm54.5", "DM54.55", ""])
def test_a_malformed_code_in_the_file_is_refused(code):
    document = {"id": "x", "version": "1", "codes": [{"code": code, "en": "a", "da": "b"}]}
    with pytest.raises(DiagnosisError, match="SKS"):
        parse_value_set(document)


def test_a_code_without_its_danish_title_is_refused():
    document = {"id": "x", "version": "1", "codes": [{"code": "DM54.5", "en": "a"}]}
    with pytest.raises(DiagnosisError, match="Danish"):
        parse_value_set(document)
