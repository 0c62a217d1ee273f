"""Photos made for the tests: a smooth random scene (like a photo, not noise), saved as JPEG."""

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, size=(1200, 900)) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = (rng.random((9, 12, 3)) * 255).astype("uint8")
    img = Image.fromarray(small).resize(size, Image.BICUBIC)
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(8):
        x, y = int(rng.integers(0, w - 100)), int(rng.integers(0, h - 100))
        dx, dy = int(rng.integers(40, w // 3)), int(rng.integers(40, h // 3))
        draw.ellipse([x, y, x + dx, y + dy], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    return img.filter(ImageFilter.GaussianBlur(3))


def jpeg(img: Image.Image, quality: int = 90, size: tuple[int, int] | None = None) -> bytes:
    if size is not None:
        img = img.resize(size, Image.LANCZOS)
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()
