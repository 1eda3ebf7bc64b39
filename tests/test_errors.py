"""Any error in one line: the innermost meaningful cause, not the first line of a Keras or TensorFlow wrapper."""

import pytest

from benchmark.core.errors import root_cause

# The message tf-keras raised for talking_heads_base under mixed_bfloat16 (issue 17), as it was.
KERAS_NESTED = '''Exception encountered when calling layer "transformer_scaffold_24" (type TransformerScaffold).

in user code:

    File "/x/official/nlp/modeling/layers/transformer_scaffold.py", line 349, in call  *
        layer_output = self._feedforward_block(attention_output,
    File "/x/tf_keras/src/utils/traceback_utils.py", line 70, in error_handler  **
        raise e.with_traceback(filtered_tb) from None

    TypeError: Exception encountered when calling layer 'gated_feedforward' (type GatedFeedforward).

    in user code:

        File "/x/official/nlp/modeling/layers/gated_feedforward.py", line 210, in call  *
            intermediate_output = intermediate_output * gated_linear

        TypeError: Input 'y' of 'Mul' Op has type bfloat16 that does not match type float32 of argument 'x'.


    Call arguments received by layer 'gated_feedforward' (type GatedFeedforward):
      • inputs=tf.Tensor(shape=(None, None, 768), dtype=bfloat16)


Call arguments received by layer "transformer_scaffold_24" (type TransformerScaffold):
  • training=None'''
MUL = "TypeError: Input 'y' of 'Mul' Op has type bfloat16 that does not match type float32 of argument 'x'."


class InvalidArgumentError(Exception):
    pass


@pytest.mark.parametrize("error,expected", [
    (ValueError("bad value\nmore detail"), "ValueError: bad value"),
    (TypeError(KERAS_NESTED), MUL),
    (TypeError("Exception encountered when calling layer 'inner' (type MixedDtypes).\n\nInput 'y' of 'Mul' Op has "
               "type float32 that does not match type bfloat16 of argument 'x'.\n\nCall arguments received by layer "
               "'inner' (type MixedDtypes):\n  • inputs=tf.Tensor(shape=(None, 1), dtype=float32)"),
     "TypeError: Input 'y' of 'Mul' Op has type float32 that does not match type bfloat16 of argument 'x'."),
    (InvalidArgumentError("Graph execution error:\n\nDetected at node GatherV2 defined at (most recent call last):\n"
                          "  File \"x.py\", line 7, in <module>\n\nindices[0] = 5 is not in [0, 3)\n\t "
                          "[[{{node GatherV2}}]] [Op:__inference_f_8]"),
     "InvalidArgumentError: indices[0] = 5 is not in [0, 3)"),
    (InvalidArgumentError("{{function_node __wrapped__GatherV2_device_/job:localhost/replica:0/task:0/device:CPU:0}} "
                          "indices[0] = 5 is not in [0, 3) [Op:GatherV2] name: "),
     "InvalidArgumentError: indices[0] = 5 is not in [0, 3)"),
    (RuntimeError(""), "RuntimeError"),
])
def test_root_cause_is_the_innermost_meaningful_line(error, expected):
    assert root_cause(error) == expected


def test_a_wrapper_without_a_message_of_its_own_names_what_it_was_raised_from():
    try:
        try:
            raise KeyError("word_embeddings/embeddings:0")
        except KeyError as inner:
            raise RuntimeError("Exception encountered when calling layer 'encoder' (type Encoder).") from inner
    except RuntimeError as error:
        assert root_cause(error) == "KeyError: 'word_embeddings/embeddings:0'"


def test_an_error_with_a_message_of_its_own_keeps_it_whatever_it_was_raised_from():
    try:
        try:
            raise OSError("No such file")
        except OSError as inner:
            raise ValueError("cannot resume from out/checkpoints/abc: No such file; delete that folder") from inner
    except ValueError as error:
        assert root_cause(error) == "ValueError: cannot resume from out/checkpoints/abc: No such file; delete that folder"


def test_a_long_cause_is_cut_to_one_bounded_line():
    line = root_cause(ValueError("x" * 1000 + "\nsecond line"), limit=50)
    assert len(line) == 50 and line.endswith("...") and "\n" not in line
