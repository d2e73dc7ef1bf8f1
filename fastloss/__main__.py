"""Command line: ``fastloss {score,demo,info,bench}`` (also ``python -m fastloss``)."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

import fastloss

from . import __version__, _cli
from ._bench import (FULL, HALF_DECADES, HEADLINE, MODES, boosting_report, busy_report,
                     estimate_seconds, main as bench, metrics_report, threads_report, torch_report)
from ._losses import LOSSES
from .demo import main as demo


class _Parser(argparse.ArgumentParser):
    """Errors as one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _summary(loss):
    """A loss's summary up to its first "; ", without what it matches ("(as ...)")."""
    text = loss.summary.split("; ")[0]
    for m in list(re.finditer(r" \((as|e\.g\.) ", text))[::-1]:
        depth, end = 0, len(text)  # the parenthesis that closes this one
        for i in range(m.start() + 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                end = i + 1
                break
        text = text[:m.start()] + text[end:]
    return text.rstrip(".").split(", e.g.")[0]


def _loss_list():
    width = max(len(loss.name) for loss in LOSSES)
    lines = [f"  {loss.name:<{width}}  {_summary(loss)}" for loss in LOSSES]
    return "losses:\n" + "\n".join(lines)


def _choices(what, allowed):
    """An option's comma-separated list, each item one of allowed."""
    def parse(s):
        items = [x.strip() for x in s.split(",")]
        for x in items:
            if x not in allowed:
                raise argparse.ArgumentTypeError(f"unknown {what} {x!r}; one of: "
                                                 + ", ".join(allowed))
        return items
    return parse


def _sizes(s):
    out = []
    for x in s.split(","):
        try:
            v = float(x)
        except ValueError:
            v = float("nan")
        if not (1 <= v <= 1e10 and v == int(v)):
            raise argparse.ArgumentTypeError(f"{x.strip()!r} is not a size (a whole number of "
                                             "elements, 1 to 1e10, such as 1000 or 1e7)")
        out.append(int(v))
    return out


def _positive_int(s):
    try:
        v = int(s)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"{s!r} is not an integer >= 1")
    return v


def main(argv=None):
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # whoever read the output stopped early (fastloss info | head): no
        # traceback, and no second error when Python flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv):
    parser = _Parser(prog="fastloss", description="Machine-learning losses and their gradients, "
                     "compiled.", epilog=_loss_list(), formatter_class=_cli.HelpFormatter)
    parser.add_argument("--version", action="version", version=f"fastloss {__version__}")
    sub = parser.add_subparsers(dest="cmd", metavar="{score,demo,info,bench}")
    _cli.add_parser(sub)
    sub.add_parser("demo", help="worked examples and training loops computed by fastloss")
    sub.add_parser("info", help="backend, SIMD path and threads of this build and process")
    b = sub.add_parser("bench", help="speed-up table: fastloss vs reference vs memory floor",
                       formatter_class=_cli.HelpFormatter)
    b.add_argument("--full", action="store_true",
                   help="the full sweep: sizes 10,1e3,1e5,1e7, float64 and float32, value, "
                        "grad, vg and gh (prints its expected duration first); without it, a "
                        "headline table of about a minute")
    b.add_argument("--sizes", default=None, type=_sizes,
                   help="comma-separated input sizes in elements (default: 1e3,1e7; --full: "
                        "10,1e3,1e5,1e7; --plot: every half decade from 10 to 1e7)")
    b.add_argument("--losses", default=None, type=_choices("loss", [x.name for x in LOSSES]),
                   help="comma-separated loss names (default: all)")
    b.add_argument("--dtypes", default=None, type=_choices("dtype", ("float64", "float32")),
                   help="prediction dtypes (default: float64; --full: float64,float32)")
    b.add_argument("--n-threads", type=_positive_int, default=1,
                   help="threads of the fastloss calls")
    b.add_argument("--modes", default=None, type=_choices("mode", MODES),
                   help="value, grad (gradient alone), vg (value and gradient), gh (gradient and "
                        "Hessian); default value,grad (--full: all four)")
    b.add_argument("--no-compare", action="store_true",
                   help="leave out the torch (1 and 2 threads), scikit-learn and numba columns "
                        "(by default shown for the libraries that are installed)")
    b.add_argument("--plot", metavar="PNG",
                   help="also write a throughput chart of every loss and mode measured "
                        "(needs matplotlib: pip install 'fastloss[plot]')")
    b.add_argument("--threads", action="store_true",
                   help="thread scaling at 1e7 (n_threads=2 and two Python threads) instead")
    b.add_argument("--busy", action="store_true",
                   help="with --threads: the automatic thread choice against one thread while "
                        "another process keeps one core busy")
    b.add_argument("--class-weights", action="store_true",
                   help="also time the row losses that take class_weight with 10 class weights "
                        "and ignore_index=-100 on a tenth of the rows (torch's weight= and "
                        "ignore_index= in its columns)")
    b.add_argument("--metrics", action="store_true",
                   help="fastloss.metrics against scikit-learn at 1e6 rows instead")
    b.add_argument("--boosting", action="store_true",
                   help="the XGBoost/LightGBM objective callbacks against the NumPy objectives "
                        "of those libraries' documentation, 1e6 rows, instead")
    b.add_argument("--torch", action="store_true",
                   help="fastloss.torch against torch's own losses (forward + backward, one "
                        "thread) instead")
    args = parser.parse_args(argv)
    if args.cmd is None:
        parser.print_help()
        return 0
    if args.cmd == "score":
        try:
            return _cli.score(args)
        except _cli.CLIError as e:
            print(f"fastloss score: error: {e}", file=sys.stderr)
            return 2
        except OSError as e:
            print(f"fastloss score: error: {e}", file=sys.stderr)
            return 2
    if args.cmd == "demo":
        demo()
    elif args.cmd == "info":
        print(json.dumps(fastloss.info(), indent=2))
    elif args.cmd == "bench":
        if args.threads and args.busy:
            busy_report(losses=args.losses or ("mse", "binary_cross_entropy_with_logits"))
            return 0
        if args.threads:
            threads_report(losses=args.losses)
            return 0
        if args.metrics:
            metrics_report()
            return 0
        if args.torch:
            torch_report()
            return 0
        if args.boosting:
            boosting_report()
            return 0
        if args.plot:
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                print("fastloss bench: error: --plot needs matplotlib: pip install 'fastloss[plot]'",
                      file=sys.stderr)
                return 2
        base = FULL if args.full else HEADLINE
        sizes = args.sizes or (list(HALF_DECADES) if args.plot else base["sizes"])
        dtypes = args.dtypes or base["dtypes"]
        modes = args.modes or base["modes"]
        losses = args.losses
        est = estimate_seconds(sizes, losses, dtypes, modes, not args.no_compare)
        if args.full or est > 120:
            print(f"expected duration: about {max(1, round(est / 60))} minutes", flush=True)
        bench(sizes=sizes, losses=losses, dtypes=dtypes, n_threads=args.n_threads, modes=modes,
              compare=not args.no_compare, plot=args.plot, weighted=args.class_weights)
        if not (args.full or args.sizes or args.plot):
            print("(the headline table; python -m fastloss bench --full for every size, dtype and "
                  "mode, or --help)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
