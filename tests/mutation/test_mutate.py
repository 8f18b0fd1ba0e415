#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The mutator of scripts/mutate.py: which mutants it makes of a snippet
(snippet.c), that each is C, that applying one leaves no trace, and that
an equivalence entry follows its line when edits move it."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import mutate  # noqa: E402

SNIPPET = "tests/mutation/snippet.c"
# Not in the list, and why: the directive's 3 and the dead #if branch
# (not compiled), the comment's and the string's '<', the unary minus, the
# pointer declarators, the cast's '&' (an address), the declarations.
EXPECTED = """
9:const:2->1
9:const:2->3
9:const:1->0
9:const:1->2
9:const:0x1f->0x1e
9:const:0x1f->0x20
20:neg:(n < LIMIT && p)->(!(n < LIMIT && p))
20:rel:<-><=
20:log:&&->||
21:del:s += *p & 0x10;->{}
21:arith:+=->-=
21:bit:&->|
21:const:0x10->0x11
21:const:0x10->0xf
23:del:s = n >> 2;->{}
23:bit:>>-><<
23:const:2->1
23:const:2->3
24:neg:(!n)->(!(!n))
24:neg:!->
25:del:n++;->{}
25:arith:++->--
26:del:*r = (uint64_t)&s != 0;->{}
26:rel:!=->==
26:const:0->1
27:del:return s;->{}
""".strip().splitlines()


class Mutator(unittest.TestCase):
    def setUp(self):
        self.mutants = mutate.file_mutants(ROOT, SNIPPET)
        with open(os.path.join(ROOT, SNIPPET), "rb") as f:
            self.original = f.read()

    def test_lists_the_expected_mutants(self):
        self.assertEqual([m.id for m in self.mutants],
                         ["%s:%s" % (SNIPPET, e) for e in EXPECTED])

    def test_ids_are_unique(self):
        ids = [m.id for m in mutate.file_mutants(ROOT, "src/vmid.c")]
        self.assertEqual(len(ids), len(set(ids)))

    def test_sample_is_deterministic(self):
        a = mutate.sample(self.mutants, 5, "7", SNIPPET)
        b = mutate.sample(self.mutants, 5, "7", SNIPPET)
        self.assertEqual([m.id for m in a], [m.id for m in b])
        self.assertEqual(len(a), 5)
        self.assertNotEqual([m.id for m in a],
                            [m.id for m in mutate.sample(self.mutants, 5, "8", SNIPPET)])

    @unittest.skipUnless(shutil.which("cc"), "no C compiler")
    def test_every_mutant_is_c(self):
        text = self.original.decode()
        for m in self.mutants:
            r = subprocess.run(["cc", "-fsyntax-only", "-std=c11", "-x", "c", "-"],
                               input=m.apply(text), capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, m.id + "\n" + r.stderr)

    def test_apply_then_restore_is_byte_identical(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "snippet.c")
            shutil.copy(os.path.join(ROOT, SNIPPET), path)
            text = self.original.decode()
            for m in self.mutants:
                with mutate.Mutated(path, m):
                    with open(path, "rb") as f:
                        self.assertEqual(f.read().decode(), m.apply(text))
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), self.original)
            # Also when the run is interrupted inside the block.
            with self.assertRaises(KeyboardInterrupt):
                with mutate.Mutated(path, self.mutants[0]):
                    raise KeyboardInterrupt
            with open(path, "rb") as f:
                self.assertEqual(f.read(), self.original)

    def test_equivalence_list_has_reasons(self):
        eq = mutate.read_equivalent(os.path.join(ROOT, mutate.EQUIVALENT))
        self.assertTrue(eq)
        for e in eq:
            self.assertIn(e.file, mutate.CORE, e.id)
            self.assertTrue(e.reason, e.id)
            self.assertTrue(e.text, e.id)

    def test_equivalent_entry_follows_its_line(self):
        """Entries written against snippet.c as it is, matched against a
        copy edited above them: a function added at the top (its n++;
        the twin of line 25's) and line 23 rewritten."""
        lines = self.original.decode().split("\n")
        self.assertEqual(lines[22].strip(), "s = n >> 2;")
        lines[22] = "\t\ts = n / 4;"
        added = ["static void g(int n)", "{", "\tn++;", "}", ""]
        edited = "\n".join(added + lines)
        by_id = {m.id: m for m in self.mutants}
        written = ["21:bit:&->|", "25:arith:++->--", "25:del:n++;->{}", "23:bit:>>-><<"]
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, os.path.dirname(SNIPPET)))
            with open(os.path.join(d, SNIPPET), "w") as f:
                f.write(edited)
            eq = os.path.join(d, "equivalent.txt")
            with open(eq, "w") as f:
                f.write("# a comment line\n\n")
                for w in written:
                    m = by_id["%s:%s" % (SNIPPET, w)]
                    # Spaced out: the text is compared whitespace collapsed.
                    f.write("%s ## why %s @@   %s\n" % (m.id, w, m.text.replace(" ", "  ")))
            entries = mutate.read_equivalent(eq)
            moved = mutate.file_mutants(d, SNIPPET)
        self.assertEqual([e.text for e in entries[:3]],
                         ["s += *p & 0x10;", "n++;", "n++;"])
        matched, stale, guessed = mutate.match_equivalent(entries, moved)
        shift = len(added)
        # The n++; entries pair with line 30 by nearness alone (its twin
        # is at line 3): reported, not taken, so both mutants run.
        self.assertEqual(matched, {
            "%s:%d:bit:&->|" % (SNIPPET, 21 + shift): "why 21:bit:&->|"})
        self.assertEqual([e.id for e in stale], [SNIPPET + ":23:bit:>>-><<"])
        # The twin n++; at line 3 is the farther: line 30 is the nearest,
        # a pairing by nearness alone, which the job reports.
        self.assertIn("%s:3:arith:++->--" % SNIPPET, [m.id for m in moved])
        self.assertEqual(sorted((e.line, m.line) for e, m in guessed), [(25, 30), (25, 30)])

        # An entry whose id names the twin's line takes the twin.
        at3 = mutate.Entry(SNIPPET + ":3:arith:++->--", "r", "n++;")
        matched, stale, guessed = mutate.match_equivalent([at3], moved)
        self.assertEqual(list(matched), [SNIPPET + ":3:arith:++->--"])
        self.assertEqual((stale, guessed), ([], []))

    def test_stale_entries_are_reported(self):
        with tempfile.TemporaryDirectory() as d:
            eq = os.path.join(d, "equivalent.txt")
            with open(eq, "w") as f:
                f.write("%s:23:bit:>>-><< ## gone @@ s = n << 2;\n" % SNIPPET)
                f.write("%s:21:bit:&->| ## here @@ s += *p & 0x10;\n" % SNIPPET)
            r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "mutate.py"),
                                "--file", SNIPPET, "--count", "0", "--list",
                                "--equivalent", eq], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.splitlines(), [
            "mutate: %s:23:bit:>>-><<: listed as equivalent, no such mutant now "
            "(of a line 's = n << 2;')" % SNIPPET])
        self.assertIn("%s:21:bit:&->|   [equivalent]" % SNIPPET, r.stdout.splitlines())
        self.assertEqual(r.stdout.count("[equivalent]"), 1)

    def test_entry_needs_its_line_text(self):
        with tempfile.TemporaryDirectory() as d:
            eq = os.path.join(d, "equivalent.txt")
            with open(eq, "w") as f:
                f.write("%s:21:bit:&->| ## no text\n" % SNIPPET)
            with self.assertRaises(SystemExit) as cm:
                mutate.read_equivalent(eq)
        self.assertIn("ID ## reason @@ line text", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
