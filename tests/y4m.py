"""Write a Y4M video of QR codes, the only format Chromium's fake camera plays reliably.

Chromium loops the file: `--use-file-for-fake-video-capture=/abs/path.y4m`. Frames are 4:2:0
(`C420jpeg`): a full-size luma plane (16 black .. 235 white) and two quarter-size chroma planes
of 128 (grey). Each payload is drawn from the qrcode package's module matrix, scaled up with
its quiet zone, at most about 55% of the frame height so that the whole code stays in view.
"""
from __future__ import annotations

from pathlib import Path

import qrcode

WHITE, BLACK = 235, 16


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR code's modules for payload, quiet zone (4 modules) included."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    return code.get_matrix()


def luma_frame(matrix: list[list[bool]], width: int, height: int, fill: float = 0.55) -> bytes:
    """One luma plane with the code centred on white, scaled to `fill` of the frame height."""
    size = len(matrix)
    scale = max(1, int(height * fill) // size)
    side = size * scale
    left, top = (width - side) // 2, (height - side) // 2
    plane = bytearray([WHITE]) * (width * height)
    for y, row in enumerate(matrix):
        line = bytearray()
        for dark in row:
            line += bytes([BLACK if dark else WHITE]) * scale
        for dy in range(scale):
            start = (top + y * scale + dy) * width + left
            plane[start:start + side] = line
    return bytes(plane)


def write_y4m(path: Path, payloads: list[str], width: int = 640, height: int = 480, frames_each: int = 10,
              fps: int = 10) -> Path:
    """Write payloads one after another (frames_each frames each) to a Y4M file at path."""
    if width % 2 or height % 2:
        raise ValueError("4:2:0 video needs an even width and height")
    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for payload in payloads:
            frame = luma_frame(qr_matrix(payload), width, height)
            for _ in range(frames_each):
                out.write(b"FRAME\n")
                out.write(frame)
                out.write(chroma)
    return Path(path)
