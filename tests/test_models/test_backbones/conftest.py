"""Fixtures for the backbone tests."""
import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    """Runs each test on one thread: the tiny CIFAR batches gain nothing from
    more, and on a busy 2-core machine thread contention makes them slow."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
