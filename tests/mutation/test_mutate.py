#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The mutator of scripts/mutate.py: which mutants it makes of a snippet
(snippet.c), that each is C, and that applying one leaves no trace."""
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
        for mid, reason in eq.items():
            self.assertIn(mid.split(":", 1)[0], mutate.CORE, mid)
            self.assertTrue(reason, mid)


if __name__ == "__main__":
    unittest.main()
