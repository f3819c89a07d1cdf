"""The project's own test receipts: a QR code on a paper slip, as a counter's camera sees it.

Each receipt is seen in a few consecutive frames (the live camera's view of one receipt
held in front of it): the same slip at a slightly different pose, blur, exposure and noise
from frame to frame. Drawn with Pillow and NumPy from a seed, so a set is the same on every
run. `python -m tests.receipt_images DIR [--count N] [--frames F]` writes a set as PNG
files (receipt-0007-2.png: receipt 7, frame 2) with the codes in DIR/codes.txt.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter

FRAME_SIZE = (640, 480)
AGENCIES = ("000.00.12.H17", "000.00.31.H17", "000.20.04.H17", "H17.21")


def dossier_code(rng: random.Random) -> str:
    day = f"{rng.randint(20, 26):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return f"{rng.choice(AGENCIES)}-{day}-{rng.randint(1, 9999):04d}"


def payload_for(code: str, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return code
    if kind < 0.7:
        return f"https://dichvucong.danang.gov.vn/web/guest/tra-cuu-ho-so?ma_ho_so={code}"
    if kind < 0.85:
        return f"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?mahoso={code}"
    return f"Mã hồ sơ: {code}"


def qr_matrix(payload: str) -> np.ndarray:
    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(payload)
    return np.array(qr.get_matrix(), dtype=bool)


def write_code_image(payload: str, folder: Path, module_px: int = 6) -> Path:
    """A clean QR code of payload as a PNG file in folder (a camera seeing only it)."""
    modules = np.where(qr_matrix(payload), 0, 255).astype(np.uint8)
    pixels = np.kron(modules, np.ones((module_px, module_px), dtype=np.uint8))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "code.png"
    Image.fromarray(pixels).save(path)
    return path


def slip(matrix: np.ndarray, rng: random.Random, module_px: int):
    """A receipt: paper, lines of 'text', and the code in a corner (its centre returned)."""
    pixels = np.where(matrix, 20, 245).astype(np.uint8)
    side = matrix.shape[0] * module_px
    code = Image.fromarray(pixels).resize((side, side), Image.Resampling.NEAREST)
    width = max(side * 2 + 40, 360)
    height = int(width * rng.uniform(0.9, 1.4))
    paper = Image.new("L", (width, height), rng.randint(215, 250))
    draw = ImageDraw.Draw(paper)
    y = 20
    while y < height - 20:
        length = rng.randint(width // 4, width - 40)
        draw.rectangle((20, y, 20 + length, y + rng.randint(4, 8)), fill=rng.randint(40, 110))
        y += rng.randint(14, 26)
    x = rng.choice((20, width - side - 20))
    top = rng.randint(20, max(21, height - side - 20))
    paper.paste(code, (x, top))
    return paper, (x + side / 2, top + side / 2)


def clutter(rng: random.Random) -> Image.Image:
    """A counter's desk: shapes, stripes and speckle behind the receipt."""
    w, h = FRAME_SIZE
    canvas = Image.new("L", (w, h), rng.randint(60, 200))
    draw = ImageDraw.Draw(canvas)
    for _ in range(rng.randint(10, 40)):
        x0, y0 = rng.randint(-50, w), rng.randint(-50, h)
        x1, y1 = x0 + rng.randint(10, 250), y0 + rng.randint(10, 250)
        shade = rng.randint(0, 255)
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=shade)
        elif rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=shade)
        else:
            draw.line((x0, y0, x1, y1), fill=shade, width=rng.randint(1, 8))
    speckle = np.random.default_rng(rng.getrandbits(32)).integers(-25, 25, (h, w))
    mixed = np.clip(np.asarray(canvas, dtype=np.int16) + speckle, 0, 255)
    return Image.fromarray(mixed.astype(np.uint8))


def _perspective(source, target) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE): each output corner → its input one."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = [c for point in source for c in point]
    return list(np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float)))


@dataclass(frozen=True)
class Pose:
    cx: float
    cy: float
    scale: float
    angle: float
    tilt_x: float  # one side nearer the camera than the other
    tilt_y: float

    def jittered(self, rng: random.Random) -> Pose:
        """The same hand a moment later."""
        return Pose(
            self.cx + rng.uniform(-6, 6),
            self.cy + rng.uniform(-6, 6),
            self.scale * rng.uniform(0.97, 1.03),
            self.angle + rng.uniform(-0.04, 0.04),
            self.tilt_x + rng.uniform(-0.04, 0.04),
            self.tilt_y + rng.uniform(-0.04, 0.04),
        )


def place(paper: Image.Image, background: Image.Image, pose: Pose) -> Image.Image:
    w, h = paper.size
    half = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    cos, sin = math.cos(pose.angle), math.sin(pose.angle)
    target = []
    for x, y in half:
        depth = 1 + pose.tilt_x * (x / w) + pose.tilt_y * (y / h)
        x, y = x * pose.scale * depth, y * pose.scale * depth
        target.append((pose.cx + x * cos - y * sin, pose.cy + x * sin + y * cos))
    coefficients = _perspective([(0, 0), (w, 0), (w, h), (0, h)], target)
    mask = Image.new("L", paper.size, 255)
    warped = paper.transform(
        FRAME_SIZE, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    warped_mask = mask.transform(
        FRAME_SIZE, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    frame = background.copy()
    frame.paste(warped, (0, 0), warped_mask)
    return frame


def light(frame: Image.Image, rng: random.Random, seed: int) -> np.ndarray:
    """Uneven light, glare, blur, sensor noise."""
    w, h = FRAME_SIZE
    blur = rng.choice((0, 0, 0.6, 1.0, 1.4, 1.8, 2.2))
    if blur:
        frame = frame.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(frame, dtype=np.float32)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.uniform(0, 2 * math.pi)
    ramp = (xs / w - 0.5) * math.cos(direction) + (ys / h - 0.5) * math.sin(direction)
    pixels *= 1 + ramp * rng.uniform(0, 0.9)
    pixels *= rng.uniform(0.55, 1.15)
    if rng.random() < 0.35:
        gx, gy, radius = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(30, 140)
        pixels += rng.uniform(60, 180) * np.exp(-((xs - gx) ** 2 + (ys - gy) ** 2) / radius**2)
    noise = np.random.default_rng(seed).normal(0, rng.uniform(0, 14), (h, w))
    return np.clip(pixels + noise, 0, 255).astype(np.uint8)


@dataclass
class Receipt:
    seed: int
    code: str  # the dossier code the receipt carries
    payload: str  # what its QR code holds
    paper: Image.Image
    background: Image.Image
    pose: Pose

    def frames(self, count: int = 5) -> Iterator[np.ndarray]:
        """Consecutive 8-bit grey camera frames of this receipt, drawn as they are asked for."""
        rng = random.Random(self.seed * 7919)
        for index in range(count):
            scene = place(self.paper, self.background, self.pose.jittered(rng))
            yield light(scene, rng, self.seed * 100 + index)


def receipt(seed: int) -> Receipt:
    rng = random.Random(seed)
    code = dossier_code(rng)
    payload = payload_for(code, rng)
    matrix = qr_matrix(payload)
    module_px = rng.choice((3, 4, 5))
    paper, (qx, qy) = slip(matrix, rng, module_px)
    # From a small code (2.6 camera pixels a module) to one about half the frame high.
    frame_module_px = min(rng.uniform(2.6, 7.0), 240 / matrix.shape[0])
    scale = frame_module_px / module_px
    angle = rng.uniform(-math.pi, math.pi) if rng.random() < 0.3 else rng.uniform(-0.5, 0.5)
    # The citizen aims the code, not the slip, at the camera: its centre lands mid-frame.
    dx, dy = (qx - paper.width / 2) * scale, (qy - paper.height / 2) * scale
    aim_x = rng.uniform(0.4, 0.6) * FRAME_SIZE[0]
    aim_y = rng.uniform(0.4, 0.6) * FRAME_SIZE[1]
    pose = Pose(
        cx=aim_x - (dx * math.cos(angle) - dy * math.sin(angle)),
        cy=aim_y - (dx * math.sin(angle) + dy * math.cos(angle)),
        scale=scale,
        angle=angle,
        tilt_x=rng.uniform(-0.35, 0.35),
        tilt_y=rng.uniform(-0.35, 0.35),
    )
    return Receipt(seed, code, payload, paper, clutter(rng), pose)


def write_set(directory: Path, count: int, frames: int, first_seed: int = 1) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written, codes = [], []
    for number in range(first_seed, first_seed + count):
        item = receipt(number)
        codes.append(f"{number:04d} {item.code}")
        for index, shot in enumerate(item.frames(frames)):
            path = directory / f"receipt-{number:04d}-{index}.png"
            Image.fromarray(shot).save(path)
            written.append(path)
    (directory / "codes.txt").write_text("\n".join(codes) + "\n", encoding="utf-8")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--frames", type=int, default=5)
    args = parser.parse_args()
    paths = write_set(args.directory, args.count, args.frames)
    print(f"{len(paths)} frames of {args.count} receipts in {args.directory}")


if __name__ == "__main__":
    main()
