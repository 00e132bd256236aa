"""The width and height of a PNG file, read from its header.

A PNG file starts with an 8-byte signature and its IHDR chunk: 4 bytes of
length, the chunk type ``IHDR``, then width and height as big-endian 32-bit
integers (bytes 16..24 of the file). Reading those 24 bytes tells the size
of an image without decoding its pixels.
"""
import struct
from typing import Optional, Tuple

SIGNATURE = b'\x89PNG\r\n\x1a\n'


def png_size(path: str) -> Optional[Tuple[int, int]]:
    """``(width, height)`` of the PNG file at ``path``, or None if it is not a PNG file."""
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != SIGNATURE or head[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', head[16:24])
