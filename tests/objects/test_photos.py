"""The pHash threshold, measured: the same photo resized and recompressed stays within
SAME_PHOTO_MAX_DISTANCE bits, different photos stay far beyond it; the bands find every hash
within the threshold."""

import random

from expertnet.objects.photos import SAME_PHOTO_MAX_DISTANCE, bands, distance, phash_of, to_signed, to_unsigned
from tests.objects.images import jpeg, scene


def test_same_photo_near_different_photos_far():
    same, different = [], []
    hashes = []
    for seed in range(12):
        img = scene(seed)
        original = phash_of(jpeg(img, 92))
        assert original is not None
        same.append(distance(original, phash_of(jpeg(img, 55, (600, 450)))))
        same.append(distance(original, phash_of(jpeg(img, 70, (800, 600)))))
        hashes.append(original)
    for i in range(len(hashes)):
        for j in range(i + 1, len(hashes)):
            different.append(distance(hashes[i], hashes[j]))
    assert max(same) <= SAME_PHOTO_MAX_DISTANCE
    assert min(different) > 2 * SAME_PHOTO_MAX_DISTANCE
    assert phash_of(b"%PDF-1.7 not an image") is None


def test_bands_find_every_hash_within_the_threshold():
    rng = random.Random(7)
    for _ in range(2000):
        a = rng.getrandbits(64)
        flips = rng.sample(range(64), rng.randint(0, SAME_PHOTO_MAX_DISTANCE))
        b = a
        for bit in flips:
            b ^= 1 << bit
        assert distance(to_signed(a), to_signed(b)) == len(flips)
        assert any(x == y for x, y in zip(bands(a), bands(b), strict=True))
        assert to_unsigned(to_signed(a)) == a and -(1 << 63) <= to_signed(a) < 1 << 63
