"""Decoding a 640×480 camera frame: pyzbar alone, pyzbar with the fallbacks, zxing-cpp.

The goal (issue 4) is at most 40 ms a frame here, with the fallbacks. zxing-cpp is the
reference: not on the tablet (python-for-android has no recipe for it), measured on the
same frames to say how far pyzbar plus clean-ups is from it, in time and in receipts read.
"""

from __future__ import annotations

import statistics
import time

from kiosk.domain.receipts import ReceiptRules, first_receipt
from kiosk.scan.decode import decode_frame, decode_plain
from tests.receipt_images import receipt

RECEIPTS = 200
FRAMES = 5


def _ms(values: list[float]) -> str:
    values = sorted(values)
    return (
        f"median {1000 * statistics.median(values):5.1f} ms  "
        f"p95 {1000 * values[int(len(values) * 0.95)]:5.1f} ms  "
        f"max {1000 * values[-1]:5.1f} ms"
    )


def main() -> None:
    import zxingcpp

    rules = ReceiptRules()
    decoders = {
        "pyzbar alone": lambda grey: decode_plain(grey),
        "pyzbar + fallbacks": lambda grey: decode_frame(grey),
        "zxing-cpp": lambda grey: [r.bytes for r in zxingcpp.read_barcodes(grey)],
    }
    times: dict[str, list[float]] = {name: [] for name in decoders}
    read = {name: 0 for name in decoders}
    first = {name: 0 for name in decoders}
    for seed in range(1, RECEIPTS + 1):
        item = receipt(seed)
        done = dict.fromkeys(decoders, False)
        for index, grey in enumerate(item.frames(FRAMES)):
            for name, decode in decoders.items():
                start = time.perf_counter()
                found = decode(grey)
                times[name].append(time.perf_counter() - start)
                ok = first_receipt(found, rules).code == item.code
                if ok and not done[name]:
                    done[name] = True
                    read[name] += 1
                    first[name] += index == 0
    print(f"scan         {RECEIPTS} generated receipts × {FRAMES} frames, 640×480 grey")
    for name in decoders:
        share, on_first = 100 * read[name] / RECEIPTS, 100 * first[name] / RECEIPTS
        print(
            f"             {name:19} {_ms(times[name])}  read {share:5.1f}% within "
            f"{FRAMES} frames ({on_first:.1f}% on the first)"
        )
    ratio = statistics.median(times["pyzbar + fallbacks"]) / statistics.median(times["zxing-cpp"])
    print(f"             pyzbar + fallbacks / zxing-cpp, median time per frame: {ratio:.2f}")


if __name__ == "__main__":
    main()
