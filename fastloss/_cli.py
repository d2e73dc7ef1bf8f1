"""``fastloss score``: a loss over prediction files, in chunks.

    fastloss score LOSS --y-true FILE --y-pred FILE [--sample-weight FILE]
                   [--reduction mean|sum|none --out FILE.npy] [loss options] [--json]

FILE is a ``.npy`` file (memory-mapped and read chunk by chunk, so files larger
than memory work) or a CSV column ``file.csv:column`` (a header name or a
0-based index; ``file.csv:a,b,c`` for several columns, e.g. the classes of a
row loss), also read in chunks.  Errors print one line and exit with status 2.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

CHUNK_BYTES = int(os.environ.get("FASTLOSS_CLI_CHUNK_BYTES", 64 << 20))  # predictions per chunk
PROGRESS_MIN_BYTES = 256 << 20


class CLIError(Exception):
    """A user error: one line on stderr, exit status 2."""


# ---- sources: .npy (memory-mapped) or CSV columns, read in row chunks ------

class _Npy:
    def __init__(self, path, what):
        try:
            self.a = np.load(path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            raise CLIError(f"{what}: no such file: {path}") from None
        except (ValueError, OSError) as e:
            raise CLIError(f"{what}: cannot read {path} as .npy: {e}") from None
        self.shape, self.nbytes = self.a.shape, self.a.nbytes

    def chunks(self, rows):
        for i in range(0, self.shape[0] if self.shape else 1, rows):
            yield np.asarray(self.a[i:i + rows]) if self.shape else np.asarray(self.a)


class _Csv:
    def __init__(self, spec, what, integer=False):
        path, _, cols = spec.rpartition(":")
        if not path:
            raise CLIError(f"{what}: a CSV needs a column: {spec}:COLUMN")
        if not os.path.exists(path):
            raise CLIError(f"{what}: no such file: {path}")
        self.path, self.what, self.integer = path, what, integer
        with open(path, newline="") as f:
            first = f.readline()
        header = [h.strip() for h in first.rstrip("\r\n").split(",")]
        want = [c.strip() for c in cols.split(",")]
        self.has_header = not all(_is_number(h) for h in header)
        self.cols = []
        for c in want:
            if c in header and self.has_header:
                self.cols.append(header.index(c))
            elif c.isdigit() and int(c) < len(header):
                self.cols.append(int(c))
            else:
                raise CLIError(f"{what}: {path} has no column {c!r} (columns: {', '.join(header)})")
        self.nbytes = os.path.getsize(path)
        with open(path, "rb") as f:  # the rows that hold data (loadtxt skips blank lines)
            n = sum(1 for line in f if line.strip())
        n -= int(self.has_header)
        self.shape = (n,) if len(self.cols) == 1 else (n, len(self.cols))

    def chunks(self, rows):
        dtype = np.int64 if self.integer else np.float64
        with open(self.path, newline="") as f:
            if self.has_header:
                f.readline()
            left = self.shape[0]
            while left > 0:
                m = min(rows, left)
                try:
                    a = np.loadtxt(f, delimiter=",", usecols=self.cols, max_rows=m, dtype=dtype,
                                   ndmin=2)
                except ValueError as e:
                    raise CLIError(f"{self.what}: {self.path}: {e}") from None
                if a.shape[0] == 0:
                    break
                left -= a.shape[0]
                yield a[:, 0] if len(self.cols) == 1 else a


def _is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def _source(spec, what, integer=False):
    if spec.endswith(".npy"):
        return _Npy(spec, what)
    if ":" in spec and spec.rpartition(":")[0].endswith((".csv", ".txt")):
        return _Csv(spec, what, integer)
    if not os.path.exists(spec):
        raise CLIError(f"{what}: no such file: {spec}")
    raise CLIError(f"{what}: {spec}: use a .npy file or a CSV column (file.csv:column)")


# ---- the command -------------------------------------------------------------

def _progress(total, enabled):
    if not enabled:
        return None
    try:
        from tqdm import tqdm

        return tqdm(total=total, unit="B", unit_scale=True, file=sys.stderr, desc="fastloss")
    except ImportError:  # a plain percentage line instead
        class _Bar:
            done = 0

            def update(self, n):
                self.done += n
                sys.stderr.write(f"\rfastloss: {100 * self.done / max(total, 1):5.1f}%")
                sys.stderr.flush()

            def close(self):
                sys.stderr.write("\n")

        return _Bar()


def score(args):
    import fastloss
    from ._losses import BY_NAME

    if args.loss not in BY_NAME:
        raise CLIError(f"unknown loss {args.loss!r}; one of: {', '.join(BY_NAME)}")
    loss = BY_NAME[args.loss]
    opts = {o.name: getattr(args, o.name) for o in loss.options
            if getattr(args, o.name, None) is not None}
    from ._losses import LOSSES

    stray = sorted({o.name for other in LOSSES for o in other.options
                    if getattr(args, o.name, None) is not None} - set(opts))
    if stray:
        raise CLIError(f"{loss.name} has no option --{stray[0].replace('_', '-')} (its options: "
                       f"{', '.join('--' + o.name.replace('_', '-') for o in loss.options) or 'none'})")
    try:
        acc = fastloss.Mean(loss.name, **opts)
    except (ValueError, TypeError) as e:
        raise CLIError(str(e)) from None
    labels = loss.kind == "rows" and loss.targets != "probs"
    yp = _source(args.y_pred, "--y-pred")
    yt = _source(args.y_true, "--y-true", integer=labels and not (
        args.y_true.endswith(".npy") or "," in args.y_true.rpartition(":")[2]))
    w = _source(args.sample_weight, "--sample-weight") if args.sample_weight else None
    if not yp.shape:
        raise CLIError(f"--y-pred: {args.y_pred} holds a single number, not an array")
    n = yp.shape[0]
    for src, name in ((yt, "--y-true"), (w, "--sample-weight")):
        if src is not None and (not src.shape or src.shape[0] != n):
            raise CLIError(f"{name} has {src.shape[0] if src.shape else 1} rows but --y-pred has "
                           f"{n} ({args.y_pred}: shape {yp.shape})")
    if args.reduction == "none" and not args.out:
        raise CLIError("--reduction none writes one loss per sample: give --out FILE.npy")
    if args.out and args.reduction != "none":
        raise CLIError("--out is for --reduction none")
    row_bytes = max(1, int(np.prod(yp.shape[1:], dtype=np.int64)) * 8)
    rows = max(1, CHUNK_BYTES // row_bytes)
    out = None
    if args.out:
        out_shape = yp.shape[:-1] if loss.kind == "rows" else yp.shape
        out = np.lib.format.open_memmap(args.out, mode="w+", dtype=np.float64, shape=out_shape)
    total = yp.nbytes + yt.nbytes + (w.nbytes if w is not None else 0)
    bar = _progress(total, args.progress or (sys.stderr.isatty() and total >= PROGRESS_MIN_BYTES))
    fn = getattr(fastloss, loss.name)
    pos = 0
    try:
        parts = zip(yt.chunks(rows), yp.chunks(rows), w.chunks(rows) if w else iter(lambda: None, 0))
        for cy, cp, cw in parts:
            if out is not None:
                v = fn(cy, cp, sample_weight=cw, reduction="none", **opts)
                out[pos:pos + len(v)] = v
            acc.update(cy, cp, cw)
            pos += cp.shape[0]
            if bar:
                bar.update(cp.nbytes + cy.nbytes + (cw.nbytes if cw is not None else 0))
    except (ValueError, TypeError) as e:
        where = f" (positions counted from row {pos})" if pos else ""
        raise CLIError(f"{e}{where}") from None
    finally:
        if bar:
            bar.close()
        if out is not None:
            out.flush()
    if pos != n:
        raise CLIError(f"--y-true or --sample-weight ended after {pos} of {n} rows")
    if args.reduction == "mean":
        if acc.sum_weight == 0:
            raise CLIError("reduction mean of an empty input or of weights summing to zero")
        value = acc.result()
    else:
        value = acc.sum
    if args.json:
        rec = {"loss": loss.name, "reduction": args.reduction, "count": acc.count,
               "sum_weight": acc.sum_weight, "options": opts}
        if args.reduction != "none":
            rec["value"] = value
        else:
            rec["out"] = args.out
        print(json.dumps(rec))
    elif args.reduction == "none":
        print(f"{acc.count} losses written to {args.out}")
    else:
        print(repr(float(value)))
    return 0


def add_parser(sub):
    from ._losses import LOSSES

    p = sub.add_parser("score", help="a loss over .npy or CSV prediction files (chunked)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("loss", help="one of: " + ", ".join(loss.name for loss in LOSSES))
    p.add_argument("--y-true", required=True, metavar="FILE")
    p.add_argument("--y-pred", required=True, metavar="FILE")
    p.add_argument("--sample-weight", metavar="FILE")
    p.add_argument("--reduction", choices=("mean", "sum", "none"), default="mean")
    p.add_argument("--out", metavar="FILE.npy", help="per-sample losses (with --reduction none)")
    p.add_argument("--json", action="store_true", help="print a JSON record")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr (default: for large inputs on a terminal)")
    seen = {}
    for loss in LOSSES:
        for o in loss.options:
            seen.setdefault(o.name, (o, []))[1].append(loss.name)
    for name, (o, users) in seen.items():
        conv = _pos_weight if o.columns else float
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=conv, default=None,
                       help=f"{o.doc} ({', '.join(users)})")
    return p


def _pos_weight(s):
    vals = [float(v) for v in s.split(",")]
    return vals[0] if len(vals) == 1 else vals
