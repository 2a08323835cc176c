"""Tests for helpers.device: the RNN_DEVICE toggle and seed_everything."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from helpers import device as device_mod
from helpers.device import available_devices, get_device, seed_everything


@pytest.fixture
def cpu_only(monkeypatch):
    """Pretend the machine has neither CUDA nor MPS, whatever it really has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)


@pytest.fixture
def two_gpus(monkeypatch):
    """Pretend two CUDA devices are present (torch.device objects need no GPU)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)


# ---------------------------------------------------------------- available_devices

def test_available_devices_cpu_only(cpu_only):
    assert available_devices() == ["cpu"]


def test_available_devices_lists_every_gpu(two_gpus):
    assert available_devices() == ["cpu", "cuda:0", "cuda:1"]


def test_available_devices_lists_mps(cpu_only, monkeypatch):
    monkeypatch.setattr(device_mod, "_mps_available", lambda: True)
    assert available_devices() == ["cpu", "mps"]


# ---------------------------------------------------------------- get_device, CPU machine

@pytest.mark.parametrize("value", ["auto", "AUTO", " auto ", ""])
def test_auto_is_cpu_without_gpu(cpu_only, monkeypatch, value):
    monkeypatch.setenv("RNN_DEVICE", value)
    assert get_device() == torch.device("cpu")


def test_unset_means_auto(cpu_only, monkeypatch):
    monkeypatch.delenv("RNN_DEVICE", raising=False)
    assert get_device() == torch.device("cpu")


@pytest.mark.parametrize("value", ["cpu", "CPU", " Cpu\n"])
def test_cpu_spellings(cpu_only, monkeypatch, value):
    monkeypatch.setenv("RNN_DEVICE", value)
    assert get_device() == torch.device("cpu")


@pytest.mark.parametrize("value", ["cuda", "cuda:1", "CUDA:0", "mps"])
def test_missing_gpu_is_an_error_with_a_way_out(cpu_only, monkeypatch, value):
    monkeypatch.setenv("RNN_DEVICE", value)
    with pytest.raises(RuntimeError) as info:
        get_device()
    message = str(info.value)
    assert "RNN_DEVICE" in message
    assert repr(value.strip().lower()) in message  # the value asked for
    assert "available: cpu" in message  # what there is
    assert "RNN_DEVICE=cpu" in message  # how to fall back


def test_missing_gpu_on_this_machine_is_an_error(monkeypatch):
    """Without faking anything: on a machine with no CUDA, cuda must fail loudly."""
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    monkeypatch.setenv("RNN_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="RNN_DEVICE='cuda'.*available: cpu"):
        get_device()


@pytest.mark.parametrize("value", ["unknown", "gpu", "cuda:", "cuda:-1", "cuda:x", "tpu"])
def test_unknown_value_is_a_value_error(cpu_only, monkeypatch, value):
    monkeypatch.setenv("RNN_DEVICE", value)
    with pytest.raises(ValueError, match="RNN_DEVICE") as info:
        get_device()
    assert "auto, cpu, cuda, cuda:N, mps" in str(info.value)
    assert repr(value.lower()) in str(info.value)


# ---------------------------------------------------------------- get_device, faked GPUs

def test_auto_prefers_cuda(two_gpus, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "auto")
    assert get_device() == torch.device("cuda")


def test_auto_takes_mps_when_no_cuda(cpu_only, monkeypatch):
    monkeypatch.setattr(device_mod, "_mps_available", lambda: True)
    monkeypatch.setenv("RNN_DEVICE", "auto")
    assert get_device() == torch.device("mps")


def test_mps_when_available(cpu_only, monkeypatch):
    monkeypatch.setattr(device_mod, "_mps_available", lambda: True)
    monkeypatch.setenv("RNN_DEVICE", "mps")
    assert get_device() == torch.device("mps")


def test_cuda_means_index_zero(two_gpus, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "cuda")
    dev = get_device()
    assert dev.type == "cuda" and dev.index == 0


def test_cuda_with_index(two_gpus, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "cuda:1")
    assert get_device() == torch.device("cuda", 1)


def test_cuda_index_out_of_range(two_gpus, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "cuda:2")
    with pytest.raises(RuntimeError, match="RNN_DEVICE='cuda:2'") as info:
        get_device()
    assert "cuda:0, cuda:1" in str(info.value)


def test_cpu_stays_cpu_even_with_gpu(two_gpus, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


# ---------------------------------------------------------------- the name argument

def test_name_overrides_environment(cpu_only, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "cuda")
    assert get_device("cpu") == torch.device("cpu")


def test_name_of_wrong_type(cpu_only):
    with pytest.raises(TypeError, match="name"):
        get_device(0)


def test_bad_name_names_the_argument(cpu_only, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "cpu")
    with pytest.raises(ValueError, match="name must be one of"):
        get_device("tpu")
    with pytest.raises(RuntimeError, match="name='cuda'.*available: cpu.*name='cpu'"):
        get_device("cuda")


# ---------------------------------------------------------------- seed_everything

def _draws():
    return (
        torch.rand(5).tolist(),
        np.random.rand(5).tolist(),
        [random.random() for _ in range(5)],
    )


def test_same_seed_same_draws():
    assert seed_everything(123) == 123
    first = _draws()
    seed_everything(123)
    assert _draws() == first


def test_different_seed_different_draws():
    seed_everything(1)
    first = _draws()
    seed_everything(2)
    second = _draws()
    for a, b in zip(first, second):
        assert a != b


def test_default_seed_is_zero():
    assert seed_everything() == 0
    first = _draws()
    seed_everything(0)
    assert _draws() == first


def test_largest_seed_accepted():
    assert seed_everything(2**32 - 1) == 2**32 - 1


@pytest.mark.parametrize("seed", [1.0, "1", None, True])
def test_seed_of_wrong_type(seed):
    with pytest.raises(TypeError, match="seed"):
        seed_everything(seed)


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_seed_out_of_range(seed):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(seed)
