"""A short description of the machine that produced a figure, stored next to it."""
import os
import platform


def describe_machine() -> dict:
    """CPU model, core count, GPU if any, torch version and threads, Python version, and the
    1-minute load average when asked (other work on the machine slows what is measured)."""
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(ln.split(':', 1)[1].strip() for ln in f if ln.startswith('model name'))
    except (OSError, StopIteration):
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return dict(cpu=cpu, cores=os.cpu_count(), gpu=gpu, torch=torch.__version__,
                torch_threads=torch.get_num_threads(), python=platform.python_version(),
                load_average=round(os.getloadavg()[0], 2))


def machine_line(m: dict) -> str:
    """``describe_machine()`` as one line of text."""
    device = f"GPU {m['gpu']}" if m.get('gpu') else 'no GPU'
    return (f"{m['cpu']}, {m['cores']} cores, {device}, torch {m['torch']} "
            f"({m['torch_threads']} threads), Python {m['python']}")
