"""Registry integrity: required entries, handles, and parameter counts against built encoders."""

import pytest

from benchmark.core.errors import UsageError
from benchmark.encoders.registry import REGISTRY, get_spec, list_models
from benchmark.encoders.spec import encoder_parameter_count

REQUIRED = {
    "small_bert_l4_h512": (4, 512, 8),
    "small_bert_l12_h768": (12, 768, 12),
    "electra_base": (12, 768, 12),
}
TUTORIAL_FAMILY = {"bert_base_uncased", "bert_base_cased", "bert_multi_cased", "albert_base", "electra_small",
                   "electra_base", "talking_heads_base", "experts_pubmed", "experts_wiki_books"}


@pytest.mark.parametrize("key,shape", REQUIRED.items())
def test_required_encoders_have_their_architecture(key, shape):
    spec = get_spec(key)
    assert (spec.num_layers, spec.hidden_size, spec.num_heads) == shape


def test_tutorial_list_is_complete():
    small_berts = list_models("small_bert_*")
    assert len(small_berts) == 24
    assert TUTORIAL_FAMILY <= set(REGISTRY)
    assert len(REGISTRY) == 24 + len(TUTORIAL_FAMILY)


@pytest.mark.parametrize("spec", REGISTRY.values(), ids=list(REGISTRY))
def test_every_entry_is_consistent(spec):
    assert spec.key and spec.name and spec.citation
    assert spec.encoder_handle.startswith("https://tfhub.dev/")
    assert spec.preprocessor_handle.startswith("https://tfhub.dev/") and "preprocess" in spec.preprocessor_handle
    assert spec.hidden_size % spec.num_heads == 0
    assert ("uncased" in spec.preprocessor_handle or "albert" in spec.preprocessor_handle) == spec.lower_case
    assert 0 < spec.learning_rate < 1e-3


def test_encoder_handles_are_unique():
    handles = [spec.encoder_handle for spec in REGISTRY.values()]
    assert len(handles) == len(set(handles))


def test_unknown_key_suggests_close_matches():
    with pytest.raises(UsageError, match="did you mean electra_base"):
        get_spec("electra_bas")
    with pytest.raises(UsageError, match="benchmark list"):
        get_spec("zzz")


def test_list_models_wildcards():
    assert list_models("small_bert_l4_*") == [f"small_bert_l4_h{h}" for h in (128, 256, 512, 768)]
    assert list_models("nothing*") == []


# Published sizes (TF-Hub model pages / papers), rounded to 0.1M; the formula must agree.
@pytest.mark.parametrize("key,millions", [("bert_base_uncased", 109.5), ("small_bert_l4_h512", 28.8),
                                          ("albert_base", 11.7), ("electra_small", 13.5)])
def test_parameter_count_matches_published_size(key, millions):
    assert round(get_spec(key).parameter_count / 1e6, 1) == millions


@pytest.mark.slow
@pytest.mark.parametrize("spec", REGISTRY.values(), ids=list(REGISTRY))
def test_parameter_count_matches_the_built_architecture(spec):
    from benchmark.encoders.build import build_encoder

    vocab = 100  # small vocabulary keeps the build fast; the layers are full size
    assert build_encoder(spec, vocab).count_params() == encoder_parameter_count(spec, vocab)
