"""The dropout probe (tools/dropout_probe.py): every dropout variant timed, and each sets the dropout it names."""

from benchmark.encoders.bit_dropout import BitDropout  # imported first: the package selects tf-keras for TensorFlow
from benchmark.encoders.registry import get_spec

import tf_keras  # noqa: E402, I001


def test_dropout_probe_times_every_dropout_and_writes_its_command(tmp_path):
    from dropout_probe import DROPOUTS, main

    out = tmp_path / "probe.md"
    assert main(["--model", "small_bert_l2_h128", "--seq-length", "16", "--batch-size", "2", "--steps", "1",
                 "--rounds", "2", "--output", str(out)]) == 0
    text = out.read_text()
    assert "`python tools/dropout_probe.py --model small_bert_l2_h128 --seq-length 16" in text
    assert "| dropout | train ex/s | vs Keras dropout | rounds |" in text
    assert all(text.count(f"| {name} |") == 1 for name in DROPOUTS)


def test_probe_variants_set_the_dropout_they_name():
    from int8_probe import keras_classifier
    from optimizer_probe import apply_dropout

    def dropouts(variant):
        model = keras_classifier(get_spec("small_bert_l2_h128"), 100, 2, 16, "float32", cls_only=True)
        apply_dropout(model, variant)
        return {(type(layer), layer.rate) for layer in model.submodules if isinstance(layer, tf_keras.layers.Dropout)}

    assert {kind for kind, _ in dropouts("keras")} == {tf_keras.layers.Dropout}
    assert {kind for kind, _ in dropouts("bits")} == {BitDropout}
    assert {rate for _, rate in dropouts("off")} == {0.0} and 0.1 in {rate for _, rate in dropouts("keras")}
