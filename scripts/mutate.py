#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Mutation testing of the core: scripts/mutate.py [options]

Samples mutants of src/ and model/ (the core files by default), builds each
in a private copy of the tree and runs the fast suite on it; a mutant the
suite does not catch is a survivor. Mutants listed in
tests/mutation/equivalent.txt (each with its reason) are not run and not
counted against the score. docs/mutation.md says more.

Why a mutator of our own: no Debian package ships one for C, and the few
that exist elsewhere (Mull, on LLVM) mutate the IR, whose mutants a reader
cannot map back to a line and a reason as the equivalence list needs.
"""
import argparse
import dataclasses
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The model's headers with inline code are mutated as its sources are: the
# hot paths (the regime cache's key, permissions, the TLB's look-up) live
# there so that the walk and a TLB hit inline them.
CORE = ["src/pgtable.c", "src/table_pass.c", "src/vmid.c", "src/vm.c", "src/geometry.c",
        "src/geom_oa.h",
        "model/regime.c", "model/regime.h", "model/attr.c", "model/attr.h",
        "model/walk.c", "model/walk.h", "model/walk_fast.c", "model/walk_fast.h",
        "model/translate.c", "model/lane.c", "model/walk_lean.c", "model/leaf_memo.h",
        "model/tlb.c", "model/tlb_sets.h", "model/fault.c",
        "model/walk_cache.c", "model/walk_cache.h", "model/walk_wc_fast.c",
        "model/contig.c", "model/contig.h", "model/walk_sd.c",
        "include/s2mm/tlb_fast.h"]
# Public headers whose inline code is the model's (the embedders' inline
# TLB hit): their mutants try the model's unit tests first too.
MODEL_PUBLIC = ["include/s2mm/tlb_fast.h"]
EQUIVALENT = "tests/mutation/equivalent.txt"
# The fast suite: what a developer runs between edits. Not the spin
# label: its model checks run no C, and its drift test (a hash of the
# modelled functions of src/vmid.c) would fail on every mutant of them,
# counting as killed what no test of behaviour catches.
FAST_EXCLUDE = "qemu|linux|fidelity|slow|mutation|spin"

# ---------------------------------------------------------------- tokens

TOKEN = re.compile(r"""
  (?P<ws>[ \t\r\n\f\v]+|\\\n)
| (?P<comment>//[^\n]*|/\*.*?\*/)
| (?P<str>"(?:\\.|[^"\\\n])*")
| (?P<chr>'(?:\\.|[^'\\\n])*')
| (?P<num>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*)
| (?P<id>[A-Za-z_][A-Za-z_0-9]*)
| (?P<punct>>>=|<<=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=
           |[][(){};,.?:~!<>=+*/%&|^#-])
""", re.S | re.X)

INT = re.compile(r"^(0[xX][0-9a-fA-F]+|[1-9][0-9]*|0[0-7]*)([uUlL]*)$")


@dataclasses.dataclass
class Tok:
    kind: str
    text: str
    start: int
    end: int
    line: int


def tokenize(text):
    """C tokens with offsets; preprocessor lines become one 'pp' token."""
    toks, pos, line, at_bol = [], 0, 1, True
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError("line %d: cannot tokenize %r" % (line, text[pos:pos + 20]))
        kind, s = m.lastgroup, m.group()
        if kind == "punct" and s == "#" and at_bol:
            # A directive runs to the end of its logical line; comments and
            # strings inside it cannot hide a newline from this scan.
            end = pos
            while True:
                nl = text.find("\n", end)
                if nl < 0:
                    end = len(text)
                    break
                if text[nl - 1] == "\\":
                    end = nl + 1
                    continue
                end = nl
                break
            s = text[pos:end]
            toks.append(Tok("pp", s, pos, end, line))
            line += s.count("\n")
            pos = end
            continue
        if kind not in ("ws", "comment"):
            toks.append(Tok(kind, s, pos, m.end(), line))
            at_bol = False
        nls = s.count("\n")
        if nls:
            line += nls
            at_bol = kind == "ws" or (kind == "comment" and at_bol)
        pos = m.end()
    return toks


# ---------------------------------------------------------------- mutants

@dataclasses.dataclass
class Mutant:
    file: str
    line: int
    op: str
    orig: str
    repl: str
    start: int
    end: int
    id: str = ""
    occurrence: int = 1
    text: str = ""      # its (first) line, whitespace collapsed

    @property
    def key(self):
        """What names the mutant wherever its line moves: the id without
        the line number, plus the line's text."""
        return (self.file, self.op, "%s->%s" % (squash(self.orig), squash(self.repl)),
                self.occurrence, self.text)

    def apply(self, text):
        return text[:self.start] + self.repl + text[self.end:]


def squash(s):
    return " ".join(s.split())


TYPE_WORDS = {"void", "char", "short", "int", "long", "signed", "unsigned",
              "float", "double", "bool", "_Bool", "const", "volatile",
              "static", "extern", "register", "struct", "union", "enum",
              "typedef", "inline", "_Atomic", "_Static_assert", "auto",
              "restrict", "_Alignas", "_Noreturn", "_Thread_local"}
KEYWORDS = TYPE_WORDS | {"if", "else", "while", "for", "do", "switch", "case",
                         "default", "return", "break", "continue", "goto",
                         "sizeof", "_Alignof", "_Generic"}
CONTROL = {"if", "while", "for", "switch"}

SWAPS = {
    "rel": {"<": ["<="], "<=": ["<"], ">": [">="], ">=": [">"],
            "==": ["!="], "!=": ["=="]},
    "log": {"&&": ["||"], "||": ["&&"]},
    "bit": {"&": ["|"], "|": ["&"], "^": ["|"], "<<": [">>"], ">>": ["<<"],
            "&=": ["|="], "|=": ["&="], "^=": ["|="], "<<=": [">>="],
            ">>=": ["<<="]},
    "arith": {"+": ["-"], "-": ["+"], "*": ["/"], "/": ["*"], "%": ["*"],
              "+=": ["-="], "-=": ["+="], "*=": ["/="], "++": ["--"],
              "--": ["++"]},
}
# Operators that are also unary (or a pointer declarator): mutated only
# where the token before them ends an operand.
AMBIGUOUS = {"&", "*", "+", "-"}


def typeish(toks, i):
    """toks[i] names a type (so a '*' after it declares a pointer)."""
    t = toks[i]
    if t.kind != "id":
        return False
    if t.text in TYPE_WORDS or t.text.endswith("_t"):
        return True
    return i > 0 and toks[i - 1].text in ("struct", "union", "enum")


def binary_at(toks, i):
    if i == 0:
        return False
    p = toks[i - 1]
    if p.kind in ("num", "str", "chr") or p.text == "]":
        return True
    if p.text == ")":
        return not closes_cast(toks, i - 1)
    if p.kind == "id" and p.text not in KEYWORDS:
        return not (toks[i].text in ("*", "&") and typeish(toks, i - 1))
    return False


def closes_cast(toks, c):
    """toks[c], a ')', closes a cast such as '(uint64_t)' or '(struct x *)'."""
    depth = 0
    for j in range(c, -1, -1):
        if toks[j].text == ")":
            depth += 1
        elif toks[j].text == "(":
            depth -= 1
            if depth == 0:
                return j + 1 < c and (toks[j + 1].text in TYPE_WORDS or
                                      typeish(toks, j + 1))
    return False


def match_close(toks, i):
    """Index of the bracket closing toks[i]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    o, c, depth = toks[i].text, pairs[toks[i].text], 0
    for j in range(i, len(toks)):
        if toks[j].text == o:
            depth += 1
        elif toks[j].text == c:
            depth -= 1
            if depth == 0:
                return j
    return None


def int_neighbours(s):
    m = INT.match(s)
    if not m:
        return []
    body, suffix = m.groups()
    if body[:2] in ("0x", "0X"):
        v = int(body, 16)
        upper = any(c in "ABCDEF" for c in body[2:])

        def fmt(x):
            h = "%x" % x
            return body[:2] + (h.upper() if upper else h) + suffix
    elif len(body) > 1 and body[0] == "0":
        v = int(body, 8)

        def fmt(x):
            return "0%o" % x + suffix
    else:
        v = int(body)

        def fmt(x):
            return "%d" % x + suffix
    return [fmt(x) for x in (v + 1, v - 1) if x >= 0]


def deletable_statements(toks):
    """(first, last) token indices of simple statements in function bodies:
    expression statements and jumps, never declarations."""
    out = []
    kinds = []          # what each open brace holds: code, init, type
    header_close = set()
    paren = 0
    for i, t in enumerate(toks):
        if t.kind == "pp":
            continue
        if t.text in CONTROL and i + 1 < len(toks) and toks[i + 1].text == "(":
            j = match_close(toks, i + 1)
            if j is not None:
                header_close.add(j)
        if t.text in ("(", "["):
            paren += 1
        elif t.text in (")", "]"):
            paren -= 1
        elif t.text == "{":
            p = prev_sig(toks, i)
            inside = kinds[-1] if kinds else None
            if p is not None and (toks[p].text in (")", "else", "do") or
                                  (toks[p].text in (";", "{", "}", ":") and inside == "code")):
                kinds.append("code")
            elif inside == "init" or (p is not None and toks[p].text in ("=", ",", "(")):
                kinds.append("init")
            else:
                kinds.append("type")
            continue
        elif t.text == "}":
            if kinds:
                kinds.pop()
            continue
        if paren or not kinds or kinds[-1] != "code":
            continue
        p = prev_sig(toks, i)
        if p is None:
            continue
        pt = toks[p].text
        starts = pt in (";", "{", "}", "else", "do") or p in header_close or \
            (pt == ":" and is_label_colon(toks, p))
        if not starts:
            continue
        end = simple_statement_end(toks, i)
        if end is not None:
            out.append((i, end))
    return out


def prev_sig(toks, i):
    j = i - 1
    while j >= 0 and toks[j].kind == "pp":
        j -= 1
    return j if j >= 0 else None


def is_label_colon(toks, c):
    """toks[c] is the ':' of a case, default or goto label."""
    j = c - 1
    if toks[j].text == "default":
        return True
    if toks[j].kind == "id" and j > 0 and toks[j - 1].text in (";", "{", "}", ":"):
        return toks[j].text not in KEYWORDS
    # case EXPR: find 'case' back to the previous statement boundary.
    while j >= 0 and toks[j].text not in (";", "{", "}", "?"):
        if toks[j].text == "case":
            return True
        j -= 1
    return False


def simple_statement_end(toks, i):
    t = toks[i]
    if t.kind == "pp" or t.text in TYPE_WORDS or t.text in (
            "if", "else", "while", "for", "do", "switch", "case", "default",
            "{", "}", ";"):
        return None
    if t.kind == "id" and t.text not in KEYWORDS:
        n = toks[i + 1] if i + 1 < len(toks) else None
        if n is None or n.text == ":" or n.kind == "id":
            return None     # a label, or a declaration
        if n.text == "*" and typeish(toks, i):
            return None
        if n.text == "*" and i + 2 < len(toks) and toks[i + 2].kind == "id" and \
                i + 3 < len(toks) and toks[i + 3].text in ("=", ";", ",", "["):
            return None     # 'name *p = ...' with a typedef name
    depth = 0
    for j in range(i, len(toks)):
        x = toks[j].text
        if toks[j].kind == "pp":
            return None
        if x in ("(", "["):
            depth += 1
        elif x in (")", "]"):
            depth -= 1
        elif x in ("{", "}"):
            return None     # statement expressions, compound literals
        elif x == ";" and depth == 0:
            return j
    return None


def mutants_of(text, name, live=None):
    """Every mutant of one C source, in source order, with stable ids.
    live: the set of line numbers the host build compiles (None: all)."""
    toks = tokenize(text)
    found = []

    def add(line, op, a, b, orig, repl):
        if live is None or line in live:
            found.append(Mutant(name, line, op, orig, repl, a, b))

    for i, t in enumerate(toks):
        if t.kind == "pp":
            continue
        for op, table in SWAPS.items():
            if t.kind == "punct" and t.text in table:
                if t.text in AMBIGUOUS and not binary_at(toks, i):
                    continue
                for r in table[t.text]:
                    add(t.line, op, t.start, t.end, t.text, r)
        if t.kind == "num":
            for r in int_neighbours(t.text):
                add(t.line, "const", t.start, t.end, t.text, r)
        if t.text in ("if", "while") and i + 1 < len(toks) and toks[i + 1].text == "(":
            j = match_close(toks, i + 1)
            if j is not None:
                a, b = toks[i + 1].start, toks[j].end
                inner = text[toks[i + 1].end:toks[j].start]
                add(t.line, "neg", a, b, text[a:b], "(!(" + inner + "))")
        if t.text == "!":
            add(t.line, "neg", t.start, t.end, "!", "")
    for i, j in deletable_statements(toks):
        a, b = toks[i].start, toks[j].end
        # '{}' rather than nothing: the statement may be an if's whole body.
        add(toks[i].line, "del", a, b, text[a:b], "{}")
    found.sort(key=lambda m: (m.start, m.op, m.repl))
    lines = text.split("\n")
    seen = {}
    for m in found:
        base = "%s:%d:%s:%s->%s" % (m.file, m.line, m.op, squash(m.orig), squash(m.repl))
        seen[base] = seen.get(base, 0) + 1
        m.occurrence = seen[base]
        m.id = base if seen[base] == 1 else "%s#%d" % (base, seen[base])
        m.text = squash(lines[m.line - 1])
    return found


def live_lines(path, text, includes):
    """Lines of path that the host compiler sees (not in a dead #if branch):
    each line is tagged with a comment, and the preprocessor, told to keep
    comments, keeps the tags of the lines it compiles."""
    toks = tokenize(text)
    inside = set()      # lines that end inside a comment, string or directive
    for m in re.finditer(r"/\*.*?\*/", text, re.S):
        first = text.count("\n", 0, m.start()) + 1
        inside.update(range(first, first + m.group().count("\n")))
    for t in toks:
        if t.kind == "pp":
            inside.update(range(t.line, t.line + t.text.count("\n") + 1))
    lines = text.split("\n")
    tagged = "\n".join(l if (n + 1) in inside or l.rstrip().endswith("\\")
                       else l + " /*@MUTLINE%d@*/" % (n + 1)
                       for n, l in enumerate(lines))
    cc = os.environ.get("CC", "cc")
    args = [cc, "-E", "-C", "-std=c11", "-x", "c", "-"] + \
        ["-I" + d for d in includes] + ["-iquote", os.path.dirname(path)]
    try:
        r = subprocess.run(args, input=tagged, capture_output=True, text=True)
    except OSError:
        return None
    if r.returncode != 0:
        return None
    return {int(n) for n in re.findall(r"@MUTLINE(\d+)@", r.stdout)}


def file_mutants(root, name):
    path = os.path.join(root, name)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    live = live_lines(path, text, [os.path.join(root, "include"),
                                   os.path.join(root, "model")])
    return mutants_of(text, name, live)


def sample(mutants, count, seed, name):
    if count <= 0 or count >= len(mutants):
        return list(mutants)
    rng = random.Random("%s:%s" % (seed, name))
    picked = rng.sample(range(len(mutants)), count)
    return [mutants[i] for i in sorted(picked)]


@dataclasses.dataclass
class Entry:
    """One line of the equivalence list."""
    id: str
    reason: str
    text: str

    @property
    def file(self):
        return self.id.split(":", 1)[0]

    @property
    def line(self):
        return int(self.id.split(":", 2)[1])

    @property
    def key(self):
        # The id's tail is op:orig->repl[#n]; orig may hold '->' itself
        # (rc->valid), so it is compared whole rather than split. No
        # replacement ends in '#' and digits, so a '#n' there is the
        # occurrence.
        rest = self.id.split(":", 2)[2]
        op, change = rest.split(":", 1)
        m = re.match(r"^(.*)#(\d+)$", change)
        occurrence = 1
        if m:
            change, occurrence = m.group(1), int(m.group(2))
        return (self.file, op, change, occurrence, self.text)


ENTRY = re.compile(r"^([^:\s]+):(\d+):([a-z]+):(.+?) ## (.*?) @@ (.*)$")


def read_equivalent(path):
    """The entries of lines 'ID ## reason @@ line text' ('#' starts a
    comment line)."""
    eq = []
    if not os.path.exists(path):
        return eq
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            m = ENTRY.match(line)
            if not m:
                raise SystemExit("%s:%d: expected 'ID ## reason @@ line text'" % (path, n))
            mid = "%s:%s:%s:%s" % m.group(1, 2, 3, 4)
            reason, text = m.group(5).strip(), squash(m.group(6))
            if not reason:
                raise SystemExit("%s:%d: an equivalent mutant needs its reason" % (path, n))
            if not text:
                raise SystemExit("%s:%d: an equivalent mutant needs its line's text" % (path, n))
            eq.append(Entry(mid, reason, text))
    return eq


def match_equivalent(entries, mutants):
    """(id -> reason for the mutants entries name, entries naming none,
    (entry, mutant) pairs matched by nearness alone).
    An entry names the mutant of the same key (file, operator, change,
    occurrence, line text) whatever its line now. Where that text is on
    several lines of the file, the line the entry records breaks the tie:
    entries and mutants pair up nearest first, one mutant to an entry; a
    pair made by nearness alone (the text is on several lines, none of them
    the entry's) is reported, not taken: its mutant runs, since the line
    it pairs with may be a twin that is not equivalent."""
    by_key = {}
    for m in mutants:
        by_key.setdefault(m.key, []).append(m)
    pairs = sorted(((abs(m.line - e.line), n, m.line, m)
                    for n, e in enumerate(entries) for m in by_key.get(e.key, ())),
                   key=lambda p: p[:3])
    matched, taken, named, guessed = {}, set(), set(), []
    for _, n, _, m in pairs:
        if n in named or m.id in taken:
            continue
        named.add(n)
        taken.add(m.id)
        # A moved line of text found on several lines may have been
        # paired with its twin: the reader decides, the job cannot.
        if m.line != entries[n].line and len(by_key[m.key]) > 1:
            guessed.append((entries[n], m))
        else:
            matched[m.id] = entries[n].reason
    return matched, [e for n, e in enumerate(entries) if n not in named], guessed


# ---------------------------------------------------------------- running

class Mutated:
    """The mutant applied to the private copy; the original bytes back on
    exit, whatever ends the block (an exception, ^C)."""

    def __init__(self, path, mutant):
        self.path, self.mutant = path, mutant

    def __enter__(self):
        with open(self.path, "rb") as f:
            self.saved = f.read()
        text = self.saved.decode("utf-8")
        data = self.mutant.apply(text).encode("utf-8")
        write_newer(self.path, data)
        return self

    def __exit__(self, *exc):
        write_newer(self.path, self.saved)
        return False


_last_mtime = [0]


def write_newer(path, data):
    """Write, then make sure the mtime moved forward: two mutants of one
    file written within a timestamp tick must still rebuild."""
    with open(path, "wb") as f:
        f.write(data)
    ns = max(time.time_ns(), _last_mtime[0] + 1_000_000)
    ns = max(ns, os.stat(path).st_mtime_ns + 1_000_000)
    _last_mtime[0] = ns
    os.utime(path, ns=(ns, ns))


def tree_files(root):
    try:
        r = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached",
                            "--others", "--exclude-standard"],
                           capture_output=True, check=True)
        files = [f for f in r.stdout.decode().split("\0") if f]
        return [f for f in files if os.path.isfile(os.path.join(root, f))]
    except (OSError, subprocess.CalledProcessError):
        out = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if not x.startswith(("build", "."))]
            out += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return out


def sync_tree(root, dst):
    """Make dst a copy of root's source files, touching only what differs
    (so the build there stays incremental, and a copy left mutated by a
    killed run is put right)."""
    files = set(tree_files(root))
    for f in sorted(files):
        s, d = os.path.join(root, f), os.path.join(dst, f)
        with open(s, "rb") as fh:
            data = fh.read()
        try:
            with open(d, "rb") as fh:
                same = fh.read() == data
        except OSError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(d), exist_ok=True)
            write_newer(d, data)
            shutil.copymode(s, d)
    for d, dirs, names in os.walk(dst):
        for n in names:
            rel = os.path.relpath(os.path.join(d, n), dst)
            if rel not in files:
                os.unlink(os.path.join(d, n))


def run(cmd, timeout=None, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout, **kw)


def fast_tests(build):
    r = run(["ctest", "--show-only=json-v1", "-LE", FAST_EXCLUDE], cwd=build)
    return [t["name"] for t in json.loads(r.stdout)["tests"]]


def first_tests(name, tests):
    """The tests to try first on a mutant of name: its module's own unit
    tests, which take a second where the whole suite takes a minute."""
    stem = os.path.splitext(os.path.basename(name))[0]
    if name.startswith("model/") or name in MODEL_PUBLIC:
        pat = re.compile(r"^test_model_")
    else:
        pat = re.compile(r"^test_%s(_|$)" % re.escape(stem))
    return [t for t in tests if pat.match(t)]


def failed_tests(out):
    m = re.search(r"The following tests FAILED:\n((?:\s+\d+ - .*\n?)+)", out)
    if not m:
        return []
    return [re.sub(r"^\s*\d+ - ", "", l).strip() for l in m.group(1).splitlines() if l.strip()]


class Runner:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.workdir)
        self.tree = os.path.join(self.work, "tree")
        self.build = os.path.join(self.work, "build")

    def prepare(self):
        os.makedirs(self.tree, exist_ok=True)
        sync_tree(ROOT, self.tree)
        if not os.path.exists(os.path.join(self.build, "CMakeCache.txt")):
            r = run(["cmake", "-S", self.tree, "-B", self.build, "-DS2MM_SKIP_HYP=ON"])
            if r.returncode:
                sys.exit("mutate: cmake failed:\n" + r.stdout)
        r = self.cmake_build(None)
        if r.returncode:
            sys.exit("mutate: the unmutated tree does not build:\n" + r.stdout[-4000:])
        self.tests = fast_tests(self.build)
        if not self.args.no_baseline:
            ok, failed = self.ctest(None, None)
            if not ok:
                sys.exit("mutate: the fast suite fails on the unmutated tree: %s"
                         % ", ".join(failed))

    def cmake_build(self, targets):
        cmd = ["cmake", "--build", self.build, "-j%d" % self.args.jobs]
        if targets:
            cmd += ["--target"] + targets
        return run(cmd)

    def ctest(self, only, exclude):
        cmd = ["ctest", "-LE", FAST_EXCLUDE, "--stop-on-failure",
               "--timeout", str(self.args.timeout), "-j%d" % self.args.jobs]
        if only:
            cmd += ["-R", "^(%s)$" % "|".join(map(re.escape, only))]
        if exclude:
            cmd += ["-E", "^(%s)$" % "|".join(map(re.escape, exclude))]
        r = run(cmd, cwd=self.build)
        return r.returncode == 0, failed_tests(r.stdout)

    def judge(self, m):
        """'uncompiled', ('killed', test) or 'survived'."""
        path = os.path.join(self.tree, m.file)
        first = first_tests(m.file, self.tests)
        with Mutated(path, m):
            r = self.cmake_build(first or None)
            if r.returncode:
                return "uncompiled", None
            if first:
                ok, failed = self.ctest(first, None)
                if not ok:
                    return "killed", failed[0] if failed else "?"
                r = self.cmake_build(None)
                if r.returncode:
                    return "uncompiled", None
            ok, failed = self.ctest(None, first)
            if not ok:
                return "killed", failed[0] if failed else "?"
            return "survived", None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", action="append", help="a source to mutate (repeatable; default: the core)")
    ap.add_argument("--count", type=int, default=20, help="mutants sampled per file (0: all)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--list", action="store_true", help="print the sampled mutants, run nothing")
    ap.add_argument("--id", action="append", help="run only this mutant id (repeatable)")
    ap.add_argument("--goal", type=float, default=95.0, help="exit 1 below this score (%%)")
    ap.add_argument("--timeout", type=int, default=30, help="seconds per test (a hang is a kill)")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build-mutation"),
                    help="the private copy and its build (kept between runs)")
    ap.add_argument("--equivalent", default=os.path.join(ROOT, EQUIVALENT))
    ap.add_argument("--no-baseline", action="store_true",
                    help="do not run the suite on the unmutated tree first")
    args = ap.parse_args(argv)
    files = args.file or CORE
    entries = read_equivalent(args.equivalent)

    picked, every = [], []
    for f in files:
        ms = file_mutants(ROOT, f)
        every += ms
        if args.id:
            picked += [m for m in ms if m.id in args.id]
        else:
            picked += sample(ms, args.count, args.seed, f)
    equivalent, stale, guessed = match_equivalent(
        [e for e in entries if e.file in files], every)
    for e in stale:
        print("mutate: %s: listed as equivalent, no such mutant now (of a line '%s')"
              % (e.id, e.text), file=sys.stderr)
    for e, m in guessed:
        print("mutate: %s: listed as equivalent, its line moved; the nearest of %d lines '%s'"
              " is %s, which runs: correct the ID if it is that one"
              % (e.id, sum(x.key == m.key for x in every), m.text, m.id), file=sys.stderr)
    if args.list:
        for m in picked:
            print(m.id + ("   [equivalent]" if m.id in equivalent else ""))
        return 0

    runner = Runner(args)
    t0 = time.time()
    runner.prepare()
    stats = {f: dict(mutants=0, uncompiled=0, compiled=0, killed=0, survived=0,
                     equivalent=0) for f in files}
    survivors = []
    for n, m in enumerate(picked, 1):
        s = stats[m.file]
        s["mutants"] += 1
        t = time.time()
        if m.id in equivalent:
            s["compiled"] += 1
            s["equivalent"] += 1
            verdict = "equivalent"
        else:
            verdict, by = runner.judge(m)
            if verdict == "uncompiled":
                s["uncompiled"] += 1
            else:
                s["compiled"] += 1
                s[verdict] += 1
                if verdict == "survived":
                    survivors.append(m)
            if by:
                verdict += " by " + by
        print("[%d/%d] %s: %s (%.1f s)" % (n, len(picked), m.id, verdict, time.time() - t),
              flush=True)

    print("\n%-16s %7s %10s %8s %6s %8s %10s %7s" % (
        "file", "mutants", "uncompiled", "compiled", "killed", "survived", "equivalent", "score"))
    tot = dict(mutants=0, uncompiled=0, compiled=0, killed=0, survived=0, equivalent=0)
    for f in files:
        s = stats[f]
        for k in tot:
            tot[k] += s[k]
        print(fmt_row(f, s))
    print(fmt_row("total", tot))
    print("(score = killed / (compiled - equivalent); seed %s, %d per file, %.0f s)"
          % (args.seed, args.count, time.time() - t0))
    if survivors:
        print("\nsurvivors (an equivalent one goes in %s as 'ID ## reason @@ line text'):"
              % EQUIVALENT)
        for m in survivors:
            print("  %s @@ %s" % (m.id, m.text))
    score = percent(tot)
    return 0 if score is None or score >= args.goal else 1


def percent(s):
    d = s["compiled"] - s["equivalent"]
    return 100.0 * s["killed"] / d if d else None


def fmt_row(name, s):
    p = percent(s)
    return "%-16s %7d %10d %8d %6d %8d %10d %7s" % (
        name, s["mutants"], s["uncompiled"], s["compiled"], s["killed"],
        s["survived"], s["equivalent"], "-" if p is None else "%.1f%%" % p)


def _terminate(signum, frame):
    # ctest's timeout sends SIGTERM: unwind, so the copy gets its original.
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
