"""``bench`` end to end on a tiny stand-in, FLOP counts, and the suite estimate (no timing assertions)."""

import json

import numpy as np
import pytest

from benchmark.encoders.flops import forward_flops, training_flops
from benchmark.speed.peaks import ASSUMED_GPU_UTILISATION
from benchmark.encoders.registry import get_spec
from conftest import TINY_MODEL, run_cli


def test_bert_base_forward_flops_follow_the_documented_formula():
    spec = get_spec("bert_base_uncased")
    dense = 2 * 128 * (4 * 768 * 768 + 2 * 768 * 3072)
    attention = 4 * 128 * 128 * 768
    assert forward_flops(spec, 128) == 12 * (dense + attention) + 2 * 768 * 768 + 2 * 768
    assert 21e9 < forward_flops(spec, 128) < 23e9  # the usual ~22 GFLOP for BERT base at 128 tokens
    assert training_flops(spec, 128) == 3 * forward_flops(spec, 128)
    assert forward_flops(get_spec("electra_small"), 128) > forward_flops(get_spec("small_bert_l12_h256"), 128)


def test_suite_estimate_is_faster_on_faster_gpus():
    from benchmark.speed.gpu_estimate import suite_estimates

    for seq_length in (128, 256):  # measured, and borrowed from the nearest measured length
        rows = {row["gpu"]: row for row in suite_estimates(seq_length, 3)}
        assert rows["H100"]["hours"] < rows["A100"]["hours"] < rows["T4"]["hours"]
        assert all(row["source"].startswith("NVIDIA") for row in rows.values())
    assert suite_estimates(512, 3)[0]["suite_flops"] > 4 * suite_estimates(128, 3)[0]["suite_flops"]


def _gpu_text(estimate, seq_length=128):
    from benchmark.speed.report import gpu_section

    return "\n".join(gpu_section(estimate, seq_length, 3))


def _table_rows_match(text, estimate):
    for row in estimate:
        assert (f"| {row['name']} | {row['peak_tflops']:g} | {row['utilisation']:.1%} | {row['hours']:.2f} "
                f"({60 * row['hours']:.0f} min) |") in text


def test_gpu_section_names_the_measurement_it_rests_on():
    from benchmark.speed.gpu_estimate import MEASUREMENT, suite_estimates

    measurement = json.loads(MEASUREMENT.read_text())
    estimate = suite_estimates(128, 3)
    text = _gpu_text(estimate)
    assert "**an estimate, not a measurement**" in text and "padded to 128 tokens" in text
    for part in (measurement["device"], f"`{measurement['command']}`", measurement["created"]):
        assert part in text
    assert "Hugging Face PyTorch loop" in text and "overestimates" in text and "for every model" not in text
    _table_rows_match(text, estimate)
    assert len({f"{row['utilisation']:.3f}" for row in estimate}) == 1  # the same share of every peak


def test_gpu_section_without_a_measurement_says_the_utilisation_is_assumed(tmp_path):
    from benchmark.speed.gpu_estimate import suite_estimates

    estimate = suite_estimates(256, 3, tmp_path / "missing.json")
    text = _gpu_text(estimate, 256)
    assert "**an estimate, not a measurement**" in text
    assert f"assumed {ASSUMED_GPU_UTILISATION:.0%} for every model, not measured" in text
    assert "covers 256 tokens" in text and "measured on" not in text and "Hugging Face" not in text
    _table_rows_match(text, estimate)


def _estimate_rows(hours, measured=True):
    source = "Test GPU, `python -m benchmark.gpu_hf`, 2030-01-02" if measured else "assumed 30% for every model"
    return [{"gpu": gpu, "hours": h, "measured": measured, "utilisation_source": source}
            for gpu, h in zip(("H100", "A100", "T4"), hours)]


def test_estimate_line_gives_minutes_under_an_hour_and_the_basis():
    from benchmark.speed.report import estimate_line

    line = estimate_line({"config": {"seq_length": 128}, "gpu_estimate": _estimate_rows((0.35, 1.1, 5.34))})
    assert line.startswith("full suite at 128 tokens, estimated (not measured): H100 21 min, A100 1.1 h, T4 5.3 h; ")
    assert line.endswith("utilisation measured on Test GPU, `python -m benchmark.gpu_hf`, 2030-01-02")
    line = estimate_line({"config": {"seq_length": 64}, "gpu_estimate": _estimate_rows((0.1, 0.5, 2.0), False)})
    assert "at 64 tokens" in line and "H100 6 min, A100 30 min, T4 2.0 h" in line
    assert line.endswith("utilisation assumed 30% for every model, not measured")


def _result(runs):
    return {"model": {"name": "Tiny", "architecture": "L-2", "weights": "stand-in"}, "command": "bench",
            "environment": {"device": "cpu", "git_commit": "abc"}, "threads": 2, "created": "now",
            "runs": [{"config": {"seq_length": seq_length, "batch_size": 4, "rounds": 1, "steps": 1, "warmup_steps": 1,
                                 "samples": 8, "epochs": 3},
                      "pipelines": {"hugging face": {"error": "torch not installed", "description": "HF"}},
                      "targets": [], "notes": ["a note"], "gpu_estimate": estimate} for seq_length, estimate in runs]}


def test_bench_md_has_one_gpu_estimate_per_length(tmp_path):
    from benchmark.speed.report import markdown
    from benchmark.speed.gpu_estimate import suite_estimates

    page = markdown(_result([(128, suite_estimates(128, 3)), (256, suite_estimates(256, 3, tmp_path / "none.json"))]))
    assert page.count("**an estimate, not a measurement**") == 2
    measured, assumed = page.split("## Sequence length 256")
    assert "Utilisation measured on" in measured
    assert f"assumed {ASSUMED_GPU_UTILISATION:.0%} for every model" in assumed
    assert "- GPU peaks from the NVIDIA datasheets: NVIDIA H100" in page


def test_bench_prints_the_estimate_after_the_files(tmp_path, monkeypatch, capsys):
    import benchmark.cli.bench
    import benchmark.speed.bench
    from benchmark.cli.main import build_parser
    from benchmark.speed.gpu_estimate import suite_estimates
    from benchmark.speed.report import estimate_line, write_bench

    result = _result([(128, suite_estimates(128, 3)), (256, suite_estimates(256, 3, tmp_path / "none.json"))])
    monkeypatch.setattr(benchmark.speed.bench, "run_bench", lambda options, command: write_bench(result, tmp_path))
    monkeypatch.setattr(benchmark.cli.bench, "quiet_tensorflow", lambda: None)
    args = build_parser().parse_args(["bench", "--model", TINY_MODEL])
    args.command_line = "bench"
    assert benchmark.cli.bench.run(args) == 0
    out = capsys.readouterr().out
    assert out.startswith((tmp_path / "bench.md").read_text())
    tail = out.splitlines()[-3:]
    assert tail[0] == f"wrote {tmp_path / 'bench.md'} and {tmp_path / 'bench.json'}"
    assert tail[1:] == [estimate_line(run) for run in result["runs"]]
    assert tail[1].startswith("full suite at 128 tokens, estimated (not measured): H100 ")
    assert tail[2].startswith("full suite at 256 tokens") and "assumed" in tail[2]


def test_one_config_per_length_with_the_accuracy_check_at_the_first():
    from benchmark.cli.bench import bench_options
    from benchmark.cli.main import build_parser
    from benchmark.speed.config import configs_for

    args = build_parser().parse_args(["bench", "--model", TINY_MODEL, "--seq-length", "128", "512",
                                      "--batch-size", "32", "16", "--accuracy-samples", "100", "--precision", "float32"])
    configs = configs_for(bench_options(args))
    assert [(c.seq_length, c.batch_size, c.accuracy_samples) for c in configs] == [(128, 32, 100), (512, 16, 0)]
    assert all(c.bucketing and c.precision == "float32" for c in configs)


def test_accuracy_comparison_pairs_the_same_reviews():
    from benchmark.speed.accuracy import compare

    labels = np.array([1, 1, 0, 0, 1], np.float32)
    scores = compare(labels, np.array([2.0, -1, -3, 1, 5]), np.array([2.0, 1, -3, -1, -5]))
    assert (scores["tutorial"], scores["this project"]) == (0.6, 0.8)
    assert (scores["only_tutorial_right"], scores["only_this_project_right"]) == (1, 2)
    assert scores["difference"] == pytest.approx(0.2)
    assert scores["difference_ci95"][0] < 0.2 < scores["difference_ci95"][1]


def test_bad_bench_options_are_one_line_errors(tmp_path):
    result = run_cli("bench", "--model", TINY_MODEL, "--steps", "3", "--steps-per-execution", "2", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: --steps 3 must be a multiple")
    result = run_cli("bench", "--model", TINY_MODEL, "--seq-length", "16", "32", "--batch-size", "4", "8", "2",
                     cwd=tmp_path)
    assert result.returncode == 2 and "one per --seq-length" in result.stderr
    result = run_cli("bench", "--model", "talking_heads_base", "--keras3", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == ("error: --keras3: KerasHub has no backbone for the "
                                                      "talking_heads family of talking_heads_base")
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_bench_runs_end_to_end_and_writes_every_field(tiny_standin, tiny_vocab, aclimdb, tmp_path):
    models_dir = tiny_standin.encoder_path.parent.parent.parent  # the fixture's stand-in cache
    out = tmp_path / "out"
    result = run_cli("bench", "--model", TINY_MODEL, "--standins", "--data-dir", str(aclimdb),
                     "--vocab", str(tiny_vocab), "--models-dir", str(models_dir), "--seq-length", "32",
                     "--batch-size", "4", "--samples", "8", "--steps", "2", "--rounds", "2", "--warmup-steps", "1",
                     "--steps-per-execution", "2", "--truncation", "head_tail", "--accuracy-samples", "16",
                     "--output", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    bench = json.loads((out / "bench.json").read_text())
    page = (out / "bench.md").read_text()
    assert bench["model"]["weights"] == "stand-in" and "[stand-in: random weights]" in page
    assert bench["command"].startswith("python -m benchmark bench --model") and bench["command"] in page
    assert [run["config"]["seq_length"] for run in bench["runs"]] == [32]
    for run in bench["runs"]:
        pipelines = run["pipelines"]
        native = run["pipelines"]["this project"]["natively_rebuilt"]  # also timed in TFLite int8
        assert native == (run["config"]["precision"] != "float32" or "CPU without bf16" in page)  # as auto says
        assert set(pipelines) == {"tutorial", "tokenize-once", "this project", "hugging face"} | (
            {"this project, int8 inference"} if native else set())
        for name, entry in pipelines.items():
            if "error" in entry:  # only the Hugging Face loop may be missing (torch not installed)
                assert name == "hugging face" and entry["error"]
                continue
            if name == "this project, int8 inference":
                assert "training" not in entry and entry["inference"]["examples_per_second"] > 0
                assert entry["inference_vs_tutorial"] > 0 and "| this project, int8 inference | - | - | " in page
                continue
            for mode in ("training", "inference"):
                timing = entry[mode]
                assert timing["examples_per_second"] > 0 and len(timing["rounds"]) == 2
                assert timing["flops_per_example"] > 0 and 0 < timing["peak_fraction"]
                assert timing["tokens_per_example"] <= run["config"]["seq_length"]
            assert entry["peak_rss_mib"] > 0 and entry["training_vs_tutorial"] > 0
        assert pipelines["tutorial"]["training_vs_tutorial"] == 1.0
        assert [row["gpu"] for row in run["gpu_estimate"]] == ["H100", "A100", "T4"]
        assert run["gpu_estimate"][0]["measured"]  # borrowed from 128 tokens, the nearest measured length
        assert len(run["targets"]) == 4 + native and all("met" in row for row in run["targets"])
        assert ("with opt-in `--inference tflite-int8`" in run["targets"][3]["target"]) == native
        assert f"## Sequence length {run['config']['seq_length']}" in page
    accuracy = bench["runs"][0]["accuracy"]
    assert accuracy["train_examples"] + accuracy["validation_examples"] == 16
    assert 0 <= accuracy["tutorial"] <= 1 and 0 <= accuracy["this project"] <= 1
    n = accuracy["validation_examples"]
    assert accuracy["difference"] == pytest.approx(accuracy["this project"] - accuracy["tutorial"])
    assert accuracy["difference"] * n == pytest.approx(
        accuracy["only_this_project_right"] - accuracy["only_tutorial_right"])
    low, high = accuracy["tutorial_ci95"]
    assert low <= accuracy["tutorial"] <= high and "paired 95% interval" in page
    if bench["runs"][0]["pipelines"]["this project"]["natively_rebuilt"]:  # also scored in int8
        int8 = accuracy["int8"]
        assert 0 <= int8["this project"] <= 1 and 0 <= int8["same_prediction_as_this_project"] <= n
        assert int8["tutorial"] == accuracy["tutorial"] and "int8 dynamic-range quantization" in page
    assert "estimate, not a measurement" in page and "% of peak" in page
    sets = bench["cpu_instruction_sets"]
    assert set(sets) >= {"bf16", "avx512", "avx2", "amx", "ONEDNN_MAX_CPU_ISA", "bf16_usable"}
    assert f"CPU instruction sets: bf16 {'yes' if sets['bf16'] else 'no'}, AVX-512 " in page and \
        "CPU instruction sets: " in result.stdout
    assert "at 128 tokens (the nearest measured length; 32 was not measured)" in page
    assert result.stdout.splitlines()[-1].startswith("full suite at 32 tokens, estimated (not measured): H100 ")


@pytest.mark.slow
def test_bench_measures_an_imported_encoder_with_its_pretrained_weights(aclimdb, tmp_path):
    from hf_reference import bert_config, bert_weights, write_checkpoint

    write_checkpoint(tmp_path / "ckpt", bert_weights(seed=5), bert_config())
    imported = run_cli("import-hf", "ckpt", "--key", "tiny_hf", "--models-dir", "elsewhere", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr[-2000:]
    out = tmp_path / "out"
    result = run_cli("bench", "--model", "tiny_hf", "--models-dir", "elsewhere", "--data-dir", str(aclimdb),
                     "--seq-length", "32", "--batch-size", "4", "--samples", "8", "--steps", "1", "--rounds", "1",
                     "--warmup-steps", "1", "--precision", "mixed_bfloat16", "--accuracy-samples", "20", "--no-hf",
                     "--keras3", "--output", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    bench = json.loads((out / "bench.json").read_text())
    assert bench["model"]["key"] == "tiny_hf" and bench["model"]["weights"] == "pretrained (imported)"
    page = (out / "bench.md").read_text()
    assert "[weights: pretrained (imported)]" in page and "random weights]" not in page.splitlines()[0]
    accuracy = bench["runs"][0]["accuracy"]
    assert (accuracy["train_examples"], accuracy["validation_examples"]) == (16, 4)
    assert not (tmp_path / "models").exists()  # nothing was built as a stand-in
    # --keras3: KerasHub's backbone of the same architecture in Keras 3 and this project's pipeline, XLA off and on
    pipelines = bench["runs"][0]["pipelines"]
    for name in ("this project, XLA", "Keras 3 (KerasHub)", "Keras 3 (KerasHub), XLA"):
        for mode in ("training", "inference"):
            assert pipelines[name][mode]["examples_per_second"] > 0 and pipelines[name][f"{mode}_vs_this_project"] > 0
    assert "keras_hub.models.BertBackbone" in pipelines["Keras 3 (KerasHub)"]["description"]
    assert "mixed_bfloat16, jit_compile True" in pipelines["Keras 3 (KerasHub), XLA"]["description"]
    assert "Against **this project** (Keras 2, as `run` trains): this project, XLA: training " in page
