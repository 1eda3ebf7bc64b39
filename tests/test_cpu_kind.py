"""The CPU's kind: bf16 where /proc/cpuinfo lists it and ONEDNN_MAX_CPU_ISA does not cap it away."""

import pytest

from benchmark.core import cpu

EPYC_GENOA = frozenset("fma avx avx2 avx512f avx512bw avx512_bf16 avx512_vnni".split())
SAPPHIRE_RAPIDS = EPYC_GENOA | {"amx_tile", "amx_bf16", "amx_int8"}
LAPTOP = frozenset("fma avx avx2".split())


@pytest.mark.parametrize("flags, cap, bf16_usable, avx512_usable", [
    (EPYC_GENOA, None, True, True),
    (EPYC_GENOA, "AVX2", False, False),  # runs as an AVX2-only CPU although /proc/cpuinfo lists bf16
    (EPYC_GENOA, "AVX512_CORE", False, True),
    (EPYC_GENOA, "AVX512_CORE_BF16", True, True),
    (SAPPHIRE_RAPIDS, "AVX512_CORE_AMX", True, True),
    (LAPTOP, None, False, False),
    (LAPTOP, "AVX512_CORE_BF16", False, False),  # a cap never adds what the CPU lacks
])
def test_instruction_sets_and_what_onednn_may_use(monkeypatch, flags, cap, bf16_usable, avx512_usable):
    if cap is None:
        monkeypatch.delenv(cpu.ISA_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(cpu.ISA_VARIABLE, cap.lower())  # oneDNN reads it case-insensitively
    sets = cpu.instruction_sets(flags)
    assert sets[cpu.ISA_VARIABLE] == cap
    assert (sets["bf16_usable"], sets["avx512_usable"]) == (bf16_usable, avx512_usable)
    assert (sets["bf16"], sets["avx2"], sets["amx"]) == ("avx512_bf16" in flags, True, "amx_tile" in flags)


def test_the_description_names_each_set_and_the_kind_it_runs_as():
    sets = cpu.instruction_sets(EPYC_GENOA, "AVX2")
    assert cpu.describe_instruction_sets(sets) == (
        "bf16 yes, AVX-512 yes, AVX2 yes, AMX no; ONEDNN_MAX_CPU_ISA=AVX2 (runs as a CPU without bf16)")
    assert cpu.describe_instruction_sets(cpu.instruction_sets(LAPTOP, "")).endswith(
        "ONEDNN_MAX_CPU_ISA not set (runs as a CPU without bf16)")


def test_the_precision_default_follows_the_cap(monkeypatch):
    from benchmark.training import precision

    monkeypatch.setattr(cpu, "cpu_flags", lambda: EPYC_GENOA)
    monkeypatch.delenv(cpu.ISA_VARIABLE, raising=False)
    assert precision.cpu_has_bf16() and precision.default_precision() == "mixed_bfloat16"
    monkeypatch.setenv(cpu.ISA_VARIABLE, "AVX2")
    assert not precision.cpu_has_bf16() and precision.default_precision() == "float32"
