"""``fastloss score``: a loss over files of predictions, read in chunks."""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import stat
import sys
import tempfile

import numpy as np

import fastloss

from ._losses import BY_NAME, LOSSES

CHUNK_BYTES = int(os.environ.get("FASTLOSS_CLI_CHUNK_BYTES", 64 << 20))  # predictions per chunk
PROGRESS_MIN_BYTES = 256 << 20
CSV_BLOCK = 2 << 20    # a CSV line longer than this is an error (it bounds the reader's memory)
HEADER_MAX = 1 << 20
ARROW_BATCH = 1 << 16  # rows per Parquet batch   # the header line must end within this many bytes
NULL_VALUES = ["", "NA", "N/A", "n/a", "NULL", "null", "None", "#N/A"]

HELP = """\
Score predictions stored in files, chunk by chunk (files larger than memory
work), and print the loss.

sources (SRC):
  FILE.npy                    a NumPy array (memory-mapped); rows on the first axis
  FILE.csv:COL[,COL...]       CSV columns, by header name (a 0-based index also
                              works when no column name is a number; with
                              --no-header, indices only)
  FILE.parquet:COL[,COL...]   Parquet columns, read a row group at a time
  FILE.feather:COL[,COL...]   Arrow IPC / Feather columns (also .arrow, .ipc),
                              read a record batch at a time
  Several columns are the classes of a row loss (or several outputs).

CSV files are read by pyarrow's reader (pip install 'fastloss[cli]'; Parquet and
Feather need it too, .npy only NumPy): the first line is the header unless
--no-header; fields are comma-separated, "double-quoted" when needed, UTF-8 (a
byte order mark is skipped; a file in another encoding is an error); numbers as
Python, NumPy, pandas or Excel write them (nan and inf included). An empty field
or NA, N/A, NULL, null, None in a column that is scored is an error naming its
row; other columns are not read. Comment lines are not supported (they are an
error, not skipped). A line longer than 2 MiB is an error. Only regular files
are read: not pipes, FIFOs or devices (save such data to a file first).

--out writes the per-sample losses of --reduction none as a float64 .npy file:
to a temporary file in the same directory, renamed into place only when the
whole input was scored; it may not be an input file (also not through a link).

exit status: 0 with the value printed; 2 with one line on stderr for any error."""


class CLIError(Exception):
    """A user error: one line on stderr, exit status 2."""


_KINDS = {".npy": "npy", ".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
          ".feather": "ipc", ".arrow": "ipc", ".ipc": "ipc"}


def _kind(path):
    return _KINDS.get(os.path.splitext(path)[1].lower())


def _regular_file(path, what):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CLIError(f"{what}: no such file: {path}") from None
    except OSError as e:
        raise CLIError(f"{what}: cannot read {path}: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise CLIError(f"{what}: {path} is not a regular file (a pipe, FIFO or device); "
                       "fastloss reads files only: save the data to a file first")
    return st


def _pyarrow(what, path):
    try:
        import pyarrow
    except ImportError:
        raise CLIError(f"{what}: reading {path} needs pyarrow: pip install 'fastloss[cli]'") from None
    return pyarrow


# ---- readers: row batches of a file's columns --------------------------------------

class _Npy:
    """A .npy array, memory-mapped: one "column", the array itself."""

    def __init__(self, path, what):
        _regular_file(path, what)
        with open(path, "rb") as f:
            magic = f.read(6)
        if magic != b"\x93NUMPY":
            raise CLIError(f"{what}: {path} is not a .npy file (it does not start with the .npy "
                           "header); for CSV, Parquet or Feather name a column: FILE.csv:COLUMN")
        try:
            self.a = np.load(path, mmap_mode="r", allow_pickle=False)
        except ValueError as e:
            if "allow_pickle" in str(e):
                raise CLIError(f"{what}: {path} holds Python objects, not numbers") from None
            raise CLIError(f"{what}: cannot read {path} as .npy: {e}") from None
        except OSError as e:
            raise CLIError(f"{what}: cannot read {path} as .npy: {e}") from None
        if self.a.ndim == 0:
            raise CLIError(f"{what}: {path} holds a single number, not an array")
        if self.a.dtype.kind not in "biuf":
            raise CLIError(f"{what}: {path} holds {self.a.dtype} values, not numbers")
        self.path, self.n_rows = path, self.a.shape[0]

    def batches(self, rows):
        for i in range(0, self.n_rows, rows):
            yield [np.asarray(self.a[i:i + rows])]


def _is_number(name):
    try:
        float(name)
    except ValueError:
        return False
    return True


def _resolve(path, names, wanted, what, by_index_only=False):
    """Column positions of the wanted columns: by name, or by 0-based index
    with --no-header.  With a header, an index is taken only where no column
    has that name and no column name is a number (in a header such as
    pandas' "0,1", or a first line of data read as a header, a number names a
    column: never also an index, so the two can never be mixed up)."""
    numeric = any(_is_number(n) for n in names)
    idx = []
    for c in wanted:
        if not by_index_only and c in names:
            idx.append(names.index(c))
        elif c.isdigit() and int(c) < len(names) and (by_index_only or not numeric):
            idx.append(int(c))
        else:
            shown = ", ".join(repr(n) for n in names[:20]) + (", ..." if len(names) > 20 else "")
            how = (f"with --no-header, columns are 0-based indices below {len(names)}"
                   if by_index_only else f"columns: {shown}")
            if not by_index_only and numeric and c.isdigit():
                how += ("; the first line names columns by numbers, so a number is a name "
                        f"here, not an index: if {path} has no header line, pass --no-header")
            raise CLIError(f"{what}: {path} has no column {c!r} ({how})")
    return idx


def _own(file, cols, what):
    """Record which arguments read each column of a file (several may share
    one), so that an error in a column names the argument that reads it."""
    for c in cols:
        file.owners.setdefault(c, [])
        if what not in file.owners[c]:
            file.owners[c].append(what)
    return cols


def _who(file, c):
    return "/".join(file.owners.get(c, [file.what]))


class _Csv:
    """CSV columns through pyarrow's streaming reader (multi-threaded)."""

    def __init__(self, path, what, header):
        self.pa = _pyarrow(what, path)
        import pyarrow.csv as pacsv

        self.pacsv, self.path, self.what, self.header = pacsv, path, what, header
        self.owners = {}
        _regular_file(path, what)
        with open(path, "rb") as f:
            head = f.read(HEADER_MAX)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4096]:
            raise CLIError(f"{what}: {path} is not UTF-8 text (UTF-16 or binary data); save it as "
                           "UTF-8 CSV")
        line, nl, _ = head.partition(b"\n")
        if not nl and len(head) == HEADER_MAX:
            raise CLIError(f"{what}: {path}: the first line is longer than {HEADER_MAX >> 20} MiB")
        try:
            text = line.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise CLIError(f"{what}: {path} is not UTF-8 text ({e.reason} at byte {e.start} of "
                           "the first line); save it as UTF-8 CSV") from None
        fields = next(csv.reader(io.StringIO(text)), [])
        self.n_cols = len(fields)
        self.names = [f.strip() for f in fields] if header else [str(i) for i in range(len(fields))]
        self.n_rows = None

    def columns(self, wanted, what):
        cols = _resolve(self.path, self.names, wanted, what, by_index_only=not self.header)
        return _own(self, cols, what)

    def _reader(self, cols, types, threads=True):
        pacsv = self.pacsv
        names = [f"c{i}" for i in range(self.n_cols)]
        ro = pacsv.ReadOptions(column_names=names, skip_rows=1 if self.header else 0,
                               block_size=CSV_BLOCK, use_threads=threads)
        co = pacsv.ConvertOptions(include_columns=[names[c] for c in cols],
                                  column_types={names[c]: t for c, t in zip(cols, types)},
                                  null_values=NULL_VALUES, quoted_strings_can_be_null=True)
        return pacsv.open_csv(self.path, read_options=ro, convert_options=co)

    def batches(self, cols, integer, rows):
        """Lists of arrays, one per column of cols (integer[i]: int64, else float64)."""
        pa = self.pa
        types = [pa.int64() if i else pa.float64() for i in integer]
        done = 0
        try:
            reader = self._reader(cols, types)
            for batch in reader:
                arrays = []
                for j, c in enumerate(cols):
                    col = batch.column(j)
                    if col.null_count:
                        r = done + int(np.argmax(col.is_null().to_numpy(zero_copy_only=False)))
                        raise CLIError(self._where(r, c) + ": empty or NA value")
                    arrays.append(col.to_numpy(zero_copy_only=False))
                done += batch.num_rows
                yield arrays
        except (pa.ArrowInvalid, UnicodeDecodeError) as e:
            raise CLIError(self._locate(cols, integer, e)) from None

    def _where(self, r, c):
        line = r + 1 + int(self.header)
        return (f"{_who(self, c)}: {self.path}: row {r} of the data (line {line}), column "
                f"{self.names[c]!r}")

    def _locate(self, cols, integer, err):
        """The message for a read error: scan again, one thread and as text, to
        name the row (pyarrow's parallel reader does not know it)."""
        pa, msg = self.pa, str(err).splitlines()[0]
        if isinstance(err, UnicodeDecodeError):
            return f"{self.what}: {self.path} is not UTF-8 text ({err.reason})"
        if "straddling" in msg:
            return f"{self.what}: {self.path}: a line longer than {CSV_BLOCK >> 20} MiB"
        done = 0
        try:
            for batch in self._reader(cols, [pa.string()] * len(cols), threads=False):
                for j, c in enumerate(cols):
                    col = batch.column(j)
                    want = pa.int64() if integer[j] else pa.float64()
                    try:
                        col.cast(want)
                        continue
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                        pass
                    lo, hi = 0, len(col)  # the first row that does not convert
                    while hi - lo > 1:
                        mid = (lo + hi) // 2
                        try:
                            col.slice(lo, mid - lo).cast(want)
                            lo = mid
                        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                            hi = mid
                    kind = "an integer (class labels)" if integer[j] else "a number"
                    return f"{self._where(done + lo, c)}: {str(col[lo])!r} is not {kind}"
                done += batch.num_rows
        except pa.ArrowInvalid as e2:
            m = re.search(r"Row #(\d+)", str(e2))
            detail = str(e2).splitlines()[0].replace("CSV parse error: ", "")
            detail = re.sub(r"Row #\d+: ", "", detail)
            if m:
                return f"{self.what}: {self.path}: line {m.group(1)}: {detail}"
            return f"{self.what}: {self.path}: {detail}"
        except UnicodeDecodeError as e2:
            return f"{self.what}: {self.path} is not UTF-8 text ({e2.reason})"
        return f"{self.what}: {self.path}: {msg}"


class _Arrow:
    """Parquet (a row group at a time) or Arrow IPC / Feather (a record batch
    at a time) columns."""

    def __init__(self, path, what, kind):
        pa = self.pa = _pyarrow(what, path)
        self.path, self.what, self.kind = path, what, kind
        self.owners = {}
        _regular_file(path, what)
        try:
            if kind == "parquet":
                import pyarrow.parquet as pq

                # one row group at a time (pre-buffering would read ahead the whole file)
                self.file = pq.ParquetFile(path, pre_buffer=False)
                schema = self.file.schema_arrow
                self.n_rows = self.file.metadata.num_rows
            else:
                try:  # read a batch at a time (not mapped: memory stays bounded)
                    self.file = pa.ipc.open_file(pa.OSFile(path))
                except pa.ArrowInvalid:
                    self.file = pa.ipc.open_stream(pa.OSFile(path))
                schema = self.file.schema
                self.n_rows = None
        except (pa.ArrowInvalid, OSError) as e:
            what_kind = "Parquet" if kind == "parquet" else "Arrow IPC / Feather"
            raise CLIError(f"{what}: {path} is not a readable {what_kind} file: "
                           f"{str(e).splitlines()[0]}") from None
        self.schema = schema
        self.names = list(schema.names)

    def columns(self, wanted, what):
        return _own(self, _resolve(self.path, self.names, wanted, what), what)

    def batches(self, cols, integer, rows):
        pa = self.pa
        for c, i in zip(cols, integer):
            t = self.schema.field(c).type
            ok = pa.types.is_integer(t) or pa.types.is_boolean(t) or (
                not i and pa.types.is_floating(t))
            if not ok:
                kind = "integers (class labels)" if i else "numbers"
                raise CLIError(f"{_who(self, c)}: {self.path}: column {self.names[c]!r} is {t}, not "
                               f"{kind}")
        if self.kind == "parquet":
            it = self.file.iter_batches(batch_size=min(rows, ARROW_BATCH),
                                        columns=[self.names[c] for c in cols])
        elif hasattr(self.file, "num_record_batches"):
            it = (self.file.get_batch(i).select(cols) for i in range(self.file.num_record_batches))
        else:
            it = (b.select(cols) for b in self.file)
        done = 0
        try:
            for batch in it:
                arrays = []
                for j, c in enumerate(cols):
                    col = batch.column(j)
                    if col.null_count:
                        r = done + int(np.argmax(col.is_null().to_numpy(zero_copy_only=False)))
                        raise CLIError(f"{_who(self, c)}: {self.path}: row {r}, column "
                                       f"{self.names[c]!r}: a null value")
                    a = col.to_numpy(zero_copy_only=False)
                    arrays.append(a.astype(np.int64 if integer[j] else np.float64, copy=False))
                done += batch.num_rows
                yield arrays
        except (pa.ArrowInvalid, OSError) as e:
            raise CLIError(f"{self.what}: {self.path}: {str(e).splitlines()[0]}") from None


# ---- sources: what a --y-true/--y-pred/--sample-weight names -------------------------

class _Source:
    """One argument: a file and its columns; several sources may share a file."""

    def __init__(self, spec, what, header, files, integer=False):
        self.what, self.spec = what, spec
        path, sep, cols = spec.rpartition(":")
        if sep and _kind(path) in ("csv", "parquet", "ipc"):
            wanted = [c.strip() for c in cols.split(",")]
            kind = _kind(path)
        else:
            path, kind, wanted = spec, _kind(spec), None
            if kind is None:
                _regular_file(spec, what)
                raise CLIError(f"{what}: {spec}: use a .npy file, or a column of a CSV, Parquet or "
                               "Feather file (FILE.csv:COLUMN)")
            if kind != "npy":
                raise CLIError(f"{what}: {spec}: name the column(s): {spec}:COLUMN")
        if kind == "npy" and wanted is not None:
            raise CLIError(f"{what}: {spec}: a .npy file has no named columns")
        key = os.path.realpath(path)
        if key not in files:
            files[key] = (_Npy(path, what) if kind == "npy" else
                          _Csv(path, what, header) if kind == "csv" else _Arrow(path, what, kind))
        self.path, self.file = path, files[key]
        self.cols = None if wanted is None else self.file.columns(wanted, what)
        self.squeeze = wanted is not None and len(wanted) == 1
        self.integer = integer and (self.squeeze or wanted is None)
        self.n_rows = self.file.n_rows


def _file_batches(file, sources, rows):
    """(batches, cols): row batches of one file with every column its sources
    need, as lists of arrays, and those columns (None for a .npy file, whose
    batches hold the array itself)."""
    if isinstance(file, _Npy):
        return file.batches(rows), None
    cols, integer = [], []
    for s in sources:
        for c in s.cols:
            if c not in cols:
                cols.append(c)
                integer.append(s.integer)
            elif s.integer:
                integer[cols.index(c)] = True
    return file.batches(cols, integer, rows), cols


class _Cursor:
    """Rows of a stream of batches (lists of arrays of equal length), handed
    out in pieces of any size: the batches are not concatenated."""

    def __init__(self, it):
        self.it, self.buf, self.ended = iter(it), None, False

    def available(self):
        """Rows ready without reading further (reads a batch when none is); 0
        when the stream has ended."""
        while self.buf is None and not self.ended:
            nxt = next(self.it, None)
            if nxt is None:
                self.ended = True
            elif len(nxt[0]):
                self.buf = nxt
        return 0 if self.buf is None else len(self.buf[0])

    def take(self, m):
        b = self.buf
        if m == len(b[0]):
            self.buf = None
            return b
        self.buf = [a[m:] for a in b]
        return [a[:m] for a in b]


def _chunks(sources, rows):
    """Aligned chunks: for each chunk, one array per source (None for a missing
    one), all with the same number of rows; CLIError when a source ends early."""
    files = {}
    for s in sources:
        if s is not None:
            files.setdefault(id(s.file), (s.file, []))[1].append(s)
    cursors = {}
    for k, (f, ss) in files.items():
        batches, cols = _file_batches(f, ss, rows)
        cursors[k] = (_Cursor(batches), cols)
    pos = 0
    while True:
        avail = {k: c.available() for k, (c, _) in cursors.items()}
        if not any(avail.values()):
            return
        if not all(avail.values()):
            short = next(k for k, v in avail.items() if not v)
            name = next(s.what for s in sources if s is not None and id(s.file) == short)
            longer = next(s.what for s in sources if s is not None and id(s.file) != short)
            raise CLIError(f"{name} ended after {pos} rows, but {longer} has more")
        m = min(rows, *avail.values())
        got = {k: c.take(m) for k, (c, _) in cursors.items()}
        out = []
        for s in sources:
            if s is None:
                out.append(None)
                continue
            arrays, cols = got[id(s.file)], cursors[id(s.file)][1]
            if cols is None:
                out.append(arrays[0])
                continue
            picked = [arrays[cols.index(c)] for c in s.cols]
            out.append(picked[0] if s.squeeze else np.column_stack(picked))
        yield pos, out
        pos += m


# ---- output ------------------------------------------------------------------------

class _NpyWriter:
    """A float64 .npy file written sequentially to a temporary file next to
    the target and renamed into place by commit(); discard() removes it."""

    def __init__(self, path, inputs):
        if os.path.isdir(path):
            raise CLIError(f"--out: {path} is a directory")
        for what, p in inputs:
            if os.path.exists(path) and os.path.samefile(path, p):
                raise CLIError(f"--out: {path} is the same file as {what} ({p}): refusing to "
                               "overwrite an input")
        d = os.path.dirname(os.path.abspath(path))
        try:
            fd, self.tmp = tempfile.mkstemp(dir=d, prefix=".fastloss-", suffix=".npy.tmp")
        except OSError as e:
            raise CLIError(f"--out: cannot write in {d}: {e.strerror}") from None
        self.f, self.path, self.rows, self.tail = os.fdopen(fd, "wb"), path, 0, None
        self._header((0,))

    def _header(self, shape):
        np.lib.format.write_array_header_1_0(
            self.f, {"descr": "<f8", "fortran_order": False, "shape": shape})

    def write(self, values):
        v = np.ascontiguousarray(values, dtype="<f8")
        if self.tail is None:
            self.tail = v.shape[1:]
        v.tofile(self.f)
        self.rows += v.shape[0]

    def commit(self):
        end = self.f.tell()
        self.f.seek(0)
        self._header((self.rows,) + (self.tail or ()))
        if self.f.tell() != 128:  # the header has a fixed size for any shape written here
            raise CLIError("--out: internal error: .npy header size changed")
        self.f.seek(end)
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()
        umask = os.umask(0)  # the permissions a newly created file gets
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)
        os.replace(self.tmp, self.path)

    def discard(self):
        try:
            self.f.close()
        finally:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass


# ---- the command -----------------------------------------------------------------

def _progress(total, enabled):
    if not enabled:
        return None
    try:
        from tqdm import tqdm

        return tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr, desc="fastloss")
    except ImportError:  # a plain count instead
        class _Bar:
            done = 0

            def update(self, n):
                self.done += n
                frac = f" ({100 * self.done / total:5.1f}%)" if total else ""
                sys.stderr.write(f"\rfastloss: {self.done} rows{frac}")
                sys.stderr.flush()

            def close(self):
                sys.stderr.write("\n")

        return _Bar()


_POS = re.compile(r"(\w+)\[(\(?)(\d+)")


def _absolute(msg, pos):
    """A kernel message's positions are within the chunk: shift the row."""
    if not pos:
        return msg
    return _POS.sub(lambda m: f"{m.group(1)}[{m.group(2)}{int(m.group(3)) + pos}", msg)


def score(args):
    if args.loss not in BY_NAME:
        raise CLIError(f"unknown loss {args.loss!r}; one of: {', '.join(BY_NAME)}")
    loss = BY_NAME[args.loss]
    opts = {o.name: None if getattr(args, o.name) is NONE else getattr(args, o.name)
            for o in loss.options if getattr(args, o.name, None) is not None}
    stray = sorted({o.name for other in LOSSES for o in other.options
                    if getattr(args, o.name, None) is not None} - set(opts))
    if stray:
        raise CLIError(f"{loss.name} has no option --{stray[0].replace('_', '-')} (its options: "
                       f"{', '.join('--' + o.name.replace('_', '-') for o in loss.options) or 'none'})")
    try:
        acc = fastloss.Mean(loss.name, **opts)
    except (ValueError, TypeError) as e:
        raise CLIError(str(e)) from None
    if args.reduction == "none" and not args.out:
        raise CLIError("--reduction none writes one loss per sample: give --out FILE.npy")
    if args.out and args.reduction != "none":
        raise CLIError("--out is for --reduction none")
    header = not args.no_header
    files = {}
    labels = loss.kind == "rows" and loss.targets != "probs"
    yp = _Source(args.y_pred, "--y-pred", header, files)
    yt = _Source(args.y_true, "--y-true", header, files, integer=labels)
    w = _Source(args.sample_weight, "--sample-weight", header, files) if args.sample_weight else None
    sources = [yt, yp, w]
    if yp.cols is not None and yp.squeeze and loss.kind == "rows":
        raise CLIError(f"--y-pred: {loss.name} needs one column per class (FILE:c0,c1,...)")
    counts = {s.what: s.n_rows for s in sources if s is not None and s.n_rows is not None}
    if len(set(counts.values())) > 1:
        raise CLIError("the inputs have different numbers of rows: "
                       + ", ".join(f"{k} {v}" for k, v in counts.items()))
    row_width = 1
    if isinstance(yp.file, _Npy):
        row_width = max(1, int(np.prod(yp.file.a.shape[1:], dtype=np.int64)))
    elif yp.cols is not None:
        row_width = len(yp.cols)
    rows = max(1, CHUNK_BYTES // (8 * row_width))
    out = None
    if args.out:
        out = _NpyWriter(args.out, [(s.what, s.path) for s in sources if s is not None])
    total_bytes = sum(os.path.getsize(f.path) for f in files.values())
    n_known = counts.get("--y-pred")
    bar = _progress(n_known, args.progress or (sys.stderr.isatty()
                                               and total_bytes >= PROGRESS_MIN_BYTES))
    fn = getattr(fastloss, loss.name)
    pos, ok = 0, False
    try:
        for pos, (cy, cp, cw) in _chunks(sources, rows):
            try:
                if out is not None:
                    out.write(fn(cy, cp, sample_weight=cw, reduction="none", **opts))
                acc.update(cy, cp, cw)
            except (ValueError, TypeError) as e:
                raise CLIError(_absolute(str(e), pos)) from None
            if bar:
                bar.update(len(cp))
        ok = True
    finally:
        if bar:
            bar.close()
        if out is not None and not ok:
            out.discard()
    if out is not None:
        try:
            out.commit()
        except BaseException:
            out.discard()
            raise
    if args.reduction == "mean":
        if acc.count == 0:
            raise CLIError("no rows to score: the inputs have no data rows (the mean of nothing "
                           "is undefined; --reduction sum gives 0)")
        if acc.sum_weight == 0:
            rows = f"{acc.count} row" + ("s" if acc.count != 1 else "")
            raise CLIError(f"the weights of the {rows} scored sum to zero (every row "
                           "ignored, or zero weights): their weighted mean is undefined; "
                           "--reduction sum gives the weighted sum")
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


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written; each option's default shown when it has one."""

    def _get_help_string(self, action):
        h = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "default" not in h:
            h += " (default: %(default)s)"
        return h


def add_parser(sub):
    p = sub.add_parser("score", help="a loss over .npy, CSV, Parquet or Feather files (chunked)",
                       description=HELP, formatter_class=HelpFormatter)
    p.add_argument("loss", help="one of: " + ", ".join(loss.name for loss in LOSSES))
    p.add_argument("--y-true", required=True, metavar="SRC", help="the targets")
    p.add_argument("--y-pred", required=True, metavar="SRC",
                   help="the predictions (probabilities, logits or scores, as the loss takes)")
    p.add_argument("--sample-weight", metavar="SRC", help="one weight per row")
    p.add_argument("--reduction", choices=("mean", "sum", "none"), default="mean",
                   help="weighted mean, sum, or one loss per sample (with --out)")
    p.add_argument("--out", metavar="FILE.npy", help="where --reduction none writes the losses")
    p.add_argument("--no-header", action="store_true",
                   help="CSV files have no header line: columns are 0-based indices")
    p.add_argument("--json", action="store_true", help="print a JSON record")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr (otherwise shown for inputs over "
                        f"{PROGRESS_MIN_BYTES >> 20} MiB on a terminal)")
    seen = {}
    for loss in LOSSES:
        for o in loss.options:
            seen.setdefault(o.name, []).append((loss.name, o))
    for name, uses in seen.items():
        o = uses[0][1]
        conv = (_pos_weight if o.columns else _boolean if o.boolean else _class_weights
                if o.per_class else int if o.label else float)
        if any(u.none is not None for _, u in uses):  # "none" gives the loss None
            conv = _or_none(conv)
        docs = list(dict.fromkeys(u.doc for _, u in uses))
        defaults = {"none" if u.default is None else u.default for _, u in uses}
        if len(defaults) == 1:
            users = f"For {', '.join(n for n, _ in uses)}; default {defaults.pop()}."
        else:
            users = "For " + ", ".join(f"{n} (default {'none' if u.default is None else u.default})"
                                       for n, u in uses) + "."
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=conv, default=None,
                       help=f"{' / '.join(docs)} {users}")
    return p


NONE = object()  # an option given as "none": the loss gets None


def _or_none(conv):
    """conv, or NONE for the word none."""
    def parse(s):
        return NONE if s.strip().lower() == "none" else conv(s)
    parse.__name__ = conv.__name__  # (argparse names the type in its errors)
    return parse


def _boolean(s):
    """A boolean option's value: true/false, yes/no, 1/0."""
    v = s.strip().lower()
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {s!r}")


def _class_weights(s):
    """One weight per class, comma-separated."""
    return [float(v) for v in s.split(",")]


def _pos_weight(s):
    vals = [float(v) for v in s.split(",")]
    return vals[0] if len(vals) == 1 else vals
